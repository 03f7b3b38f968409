"""Self-service through the whole stack: N simultaneous SIPp callers ask the status of a
request (main menu 2, the reference, the birth date) on a private Asterisk + IVR
process; the figure is « last key → first audio of the status », p95 under 300 ms.

Run it as ``townhall-ivr bench self-service --calls 100``. For each call:

    latency = first RTP packet from Asterisk after the last key − end of the last key

The end of the last key is when Asterisk can report it (the RFC 4733 end packet,
``KEY_END`` after the press starts), placed on SIPp's schedule from the 200 OK read in
SIPp's message trace; SIPp running late only makes the figure larger. The first packet
is heard on the RTP socket every caller advertises (``bench.probe.FirstRtp``): the
prompt before is stopped by the first digit, so the status starts a new burst. CPU is
read from ``/proc`` for the IVR process and Asterisk over the whole wave.

SIPp keys the same digits on every call of one run, so the callers are split over
``references`` SIPp runs started together, each on its own request with its own dates:
the status sentences differ, as in life (one shared sentence would be synthesised once
and cached, hiding the cost this bench is for).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bench.load import TracingSipp
from bench.probe import (
    FirstRtp,
    ProcessMeter,
    percentiles,
    read_message_trace,
    run_queue_seconds,
)
from bench.stack import BenchStack, bench_stack
from ivr.rules import load_rules
from ivr.simulate import default_cache_dir, resolve_steps
from ivr.sipp.process import SippStats
from ivr.sipp.scenario import Dtmf, Step, Wait, render_uac, step_items
from ivr.store import Store
from ivr.store import requests as repo
from ivr.store.citizens import NewCitizen
from townhall_support.stack import OPEN_CLOCK

TARGET_P95_MS = 300.0
BORN, KEYED_BORN = date(1990, 7, 14), "14071990"
CALLER = "0499999999"  # a number no citizen has: no known-caller offer, the reference asked
KEY_END = 0.14  # seconds from the start of a key press to its RFC 4733 end packet
HOLD = 8.0  # seconds the caller listens after the last key


@dataclass(frozen=True)
class SelfServiceResult:
    """What one wave measured."""

    calls: int
    completed: int
    latencies_ms: list[float]
    silent: int  # answered calls with no audio after the last key
    told: int  # contacts that recorded the status told
    cpu: dict[str, float]
    waited: dict[str, float]  # seconds runnable but not running (the machine's load)


def steps_for(reference: str) -> list[Step]:
    """Main menu 2, the reference, the birth date, each keyed over the prompt before it."""
    return [Wait(1.0), Dtmf("2"), Wait(1.5), Dtmf(reference, gap=0.25), Wait(1.5),
            Dtmf(KEYED_BORN, gap=0.25)]


def last_key_offset(steps: list[Step]) -> float:
    """Seconds from the 200 OK to the end of the last key press, on SIPp's schedule."""
    items = step_items(steps)
    before = sum(int(item["ms"]) for item in items[:-1])  # type: ignore[call-overload]
    return before / 1000 + KEY_END


def new_requests(stack: BenchStack, count: int) -> list[str]:
    """Identity cards at their counters, for citizens born on ``BORN``; each changed on
    another day, so each status is said with other dates."""
    rules = load_rules(stack.settings.rules_path)
    store = Store(stack.settings.db_url)
    references = []
    try:
        for n in range(count):
            at = datetime.fromisoformat(OPEN_CLOCK) - timedelta(days=n)
            view = repo.create_request(store, rules, type_id="carte-identite", at=at,
                                       actor="banc", citizen=NewCitizen(
                                           name=f"Usager {n}", phones=(f"06110000{n:02d}",),
                                           birth_date=BORN))
            for status in ("en-instruction", "en-production"):
                repo.change_status(store, rules, view.reference, status, actor="banc", at=at)
            references.append(view.reference)
    finally:
        store.dispose()
    return references


def run_wave(stack: BenchStack, calls: int, rate: float, references: int) -> SelfServiceResult:
    """Place ``calls`` self-service calls at ``rate`` a second in all and measure them."""
    ref = f"self-{uuid.uuid4().hex[:10]}"
    cache = default_cache_dir(stack.settings)
    shares = [calls // references + (n < calls % references) for n in range(references)]
    with FirstRtp() as ears:
        runs = []
        for share, reference in zip(shares, new_requests(stack, references), strict=True):
            steps = resolve_steps(steps_for(reference), cache)
            scenario = render_uac(caller=CALLER, called="3000", ref=f"{ref}-{reference}",
                                  steps=steps, hold_seconds=HOLD, listen_port=ears.port,
                                  numbered=True)
            lifetime = calls / rate + last_key_offset(steps) + HOLD + 60
            runs.append((TracingSipp(scenario, local_ip="127.0.0.1", lifetime=lifetime),
                         share, last_key_offset(steps)))
        pids = stack.meters()
        meter = ProcessMeter(pids)
        waited = _run_queue(pids)
        with meter:
            for sipp, share, _ in runs:
                sipp.start(remote=f"127.0.0.1:{stack.settings.sip_port}", calls=share,
                           limit=share, rate=rate * share / calls)
            for sipp, _, _ in runs:
                sipp.wait(calls / rate + HOLD + 90)
        waited = {name: max(0.0, after - waited.get(name, 0.0))
                  for name, after in _run_queue(pids).items()}
        latencies, silent, completed = [], 0, 0
        for sipp, share, offset in runs:
            completed += (sipp.stats() or SippStats(share, 0, share, 0, 0)).successful
            for call in read_message_trace(sipp.message_log).values():
                if call.answered is None or call.media_port is None:
                    continue
                key = call.answered + offset
                heard = ears.first_after(call.media_port, key, slack=0.0)
                if heard is None:
                    silent += 1
                else:
                    latencies.append((heard - key) * 1000)
    for sipp, _, _ in runs:
        sipp.cleanup()
    told = sum(n for route, n in stack.routes(ref).items() if route.endswith(": self_service"))
    return SelfServiceResult(calls, completed, latencies, silent, told, meter.cpu, waited)


def _run_queue(pids: dict[str, Callable[[], int | None]]) -> dict[str, float]:
    """Run-queue seconds of each named process now (those not running are left out)."""
    return {name: run_queue_seconds(pid) for name, current in pids.items()
            if (pid := current()) is not None}


def describe_result(result: SelfServiceResult) -> list[str]:
    """Plain lines for the report."""
    p = percentiles(result.latencies_ms)
    lines = [f"{result.calls} self-service calls (main menu 2, reference, birth date), "
             f"{result.completed} completed, {result.told} told their status (contact "
             f"outcome self_service), {result.silent} with no audio after the last key"]
    if p:
        lines.append(f"  last key → first audio of the status ms: p50 {p[50]:.0f}  "
                     f"p95 {p[95]:.0f}  p99 {p[99]:.0f}  max {max(result.latencies_ms):.0f}"
                     f"  (target p95 < {TARGET_P95_MS:.0f} ms: "
                     f"{'met' if p[95] < TARGET_P95_MS else 'NOT met'})")
    lines.append("  CPU s: " + ", ".join(
        f"{name} {s:.2f} ({s / max(1, result.calls) * 1000:.1f} ms/call)"
        for name, s in result.cpu.items()))
    lines.append("  waiting for a CPU (runnable, not running) s: " + ", ".join(
        f"{name} {s:.2f} ({s / max(1, result.calls) * 1000:.1f} ms/call)"
        for name, s in result.waited.items()))
    return lines


def run_self_service(calls: int, rate: float, references: int,
                     db_url: str | None) -> list[str]:
    """One private stack, one wave, the report."""
    with bench_stack(agents=2, db_url=db_url) as stack:
        result = run_wave(stack, calls, rate, min(references, calls))
        dialect = Store(stack.settings.db_url)
        name = dialect.dialect
        dialect.dispose()
    return [f"store: {name}", *describe_result(result)]
