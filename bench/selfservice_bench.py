"""Self-service on the phone, the IVR's side of « last key → first audio of the status »:
100 callers at once key their birth date, and each needs the store's answer
(``VerifyCaller`` through ``StoreAnswers``, as in a call) and the sound names of the
status's pieces (``SoundCache``, warmed as the IVR process warms it when it starts).

Prints p50/p95/p99 of both and of their sum, the CPU seconds of this process per call,
and the machine. Asterisk's playback start and the network are not in these figures:
``bench/selfservice_calls.py`` measures them with SIPp on the real stack.

    python bench/selfservice_bench.py [--calls 100] [--db-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import resource
import tempfile
import time
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path

from bench.machine import describe
from bench.probe import percentiles
from ivr.app import SoundCache
from ivr.flow.request_queries import Guard, RequestState, VerifyCaller
from ivr.prompts import PromptLibrary, ahead_of_calls
from ivr.requests.spoken import spoken_state
from ivr.rules import Rules, load_rules
from ivr.store import Store
from ivr.store import requests as repo
from ivr.store.answers import StoreAnswers
from ivr.store.citizens import NewCitizen
from ivr.store.self_service import AttemptLog, verify
from townhall_support.stack import DEFAULT_RULES, OPEN_CLOCK

TARGET_P95_MS = 300.0
BORN = date(1990, 7, 14)


@functools.cache
def rules() -> Rules:
    """The checkout's rules, read when the bench runs (not when the module is imported)."""
    return load_rules(DEFAULT_RULES)


async def one_call(answers: StoreAnswers, sounds: SoundCache,
                   query: VerifyCaller) -> tuple[float, float]:
    """Milliseconds for the answer, then for the sound of the status sentence."""
    started = time.perf_counter()
    state = await answers(query)
    answered = time.perf_counter()
    assert isinstance(state, RequestState), state
    pieces = spoken_state(rules(), state.type_id, state.status, state.since, state.due_at,
                          state.closed)
    for piece in pieces:
        await sounds(piece)
    return (answered - started) * 1000, (time.perf_counter() - answered) * 1000


async def run(calls: int, db_url: str | None, work: Path) -> None:
    store = Store(db_url or f"sqlite:///{work / 'bench.db'}")
    store.migrate()
    at = datetime.fromisoformat(OPEN_CLOCK)
    guard = Guard.from_rules(rules())
    queries = []
    for n in range(calls):
        citizen = NewCitizen(name=f"Usager {n}", phones=(f"+336{n:08d}",), birth_date=BORN)
        view = repo.create_request(store, rules(), type_id="carte-identite", actor="banc",
                                   at=at - timedelta(days=n % 20), citizen=citizen)
        queries.append(VerifyCaller(view.reference, "date_naissance", f"+336{n:08d}",
                                    f"bench-{n}", at, guard, BORN))
    attempts = AttemptLog(store)
    answers = StoreAnswers(store, {VerifyCaller: partial(verify, later=attempts)})
    sounds = SoundCache(PromptLibrary(work / "sounds"))
    sounds.warm(ahead_of_calls(rules()))
    cpu0, wall0 = time.process_time(), time.perf_counter()
    children0 = _children_cpu()
    results = await asyncio.gather(*(one_call(answers, sounds, q) for q in queries))
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    children = _children_cpu() - children0
    attempts.close()
    store.dispose()
    answer = [a for a, _ in results]
    render = [r for _, r in results]
    total = [a + r for a, r in results]
    print(describe("self-service bench"))
    print(f"{calls} concurrent self-service calls on {store.dialect}, wall {wall:.2f} s")
    for name, values in (("store answer", answer), ("status sounds", render),
                         ("last key → sounds ready", total)):
        p = percentiles(values)
        print(f"  {name:<24} p50 {p[50]:7.1f} ms  p95 {p[95]:7.1f} ms  p99 {p[99]:7.1f} ms")
    p95 = percentiles(total)[95]
    print(f"  p95 / target {TARGET_P95_MS:.0f} ms: {p95 / TARGET_P95_MS:.2f}x")
    print(f"  CPU per call: IVR process {cpu * 1000 / calls:.1f} ms, "
          f"its children (espeak-ng, ffmpeg) {children * 1000 / calls:.1f} ms")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--db-url", default=None, help="default: a fresh SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        asyncio.run(run(args.calls, args.db_url, Path(work)))


if __name__ == "__main__":
    main()
