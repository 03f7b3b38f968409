"""Under load and under faults: the real stack keeps answering citizens.

Each test breaks one thing while calls are in progress — one IVR process of two, or
every one (kill -9),
Asterisk (restart), the database (a cut TCP link to PostgreSQL), the SIP port (a flood
of bad requests) — and checks what citizens and the contact store see.
"""

from __future__ import annotations

import json
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import select

from ivr.runfiles import app_playbacks_path, app_status_path
from ivr.simulate import AgentPhone, LoadResult, default_cache_dir, run_load
from ivr.stack.peer_files import read_statuses
from ivr.store import Store
from ivr.store.models import Contact
from ivr.store.queries import contact_to_dict
from tests.fixtures.stack import running_stack
from townhall_support.flood import SipFlood
from townhall_support.pg import TcpProxy, pg_url
from townhall_support.stack import Stack
from townhall_support.wait import eventually

pytestmark = pytest.mark.e2e

NO_WRAPUP = {"etat-civil": {"queue": {"wrapup": 0}}, "accueil": {"queue": {"wrapup": 0}}}


@pytest.fixture
def pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="load") as executor:
        yield executor


def start_load(pool: ThreadPoolExecutor, stack: Stack, prefix: str, **options: Any,
               ) -> Future[LoadResult]:
    """Concurrent citizen calls (SIPp) in the background; refs ``<prefix>-<n>``."""
    options = {"calls": 20, "concurrent": 20, "rate": 20, "hold_seconds": 8,
               "dtmf": "11", **options}
    return pool.submit(run_load, "127.0.0.1", stack.settings.sip_port, ref_prefix=prefix,
                       cache_dir=default_cache_dir(stack.settings), timeout=120, **options)


def contacts_with_prefix(db_url: str, prefix: str) -> list[dict[str, Any]]:
    """Every stored contact whose ref starts with ``prefix``, with its events."""
    store = Store(db_url)
    try:
        with store.session() as session:
            rows = session.scalars(select(Contact).where(Contact.ref.like(f"{prefix}-%")))
            return [contact_to_dict(row, events=True) for row in rows]
    finally:
        store.dispose()


def wait_for_contacts(db_url: str, prefix: str, count: int,
                      timeout: float = 120) -> list[dict[str, Any]]:
    """The contacts of a load, once ``count`` of them are finished (or at ``timeout``)."""
    return eventually(lambda: contacts_with_prefix(db_url, prefix), timeout, 1,
                      until=lambda found: sum(c["outcome"] is not None for c in found) >= count)


def ari_connections(stack: Stack) -> int:
    """ARI connections the IVR process logged. ``Stack.registered`` cannot tell after a
    crash: Asterisk keeps listing an application while channels are still in it."""
    path = stack.settings.home / "ivr-app.log"
    return path.read_text(errors="replace").count("ARI connected") if path.exists() else 0


def queued(stack: Stack, prefix: str) -> int:
    """Calls of a load that joined a queue (per their stored events)."""
    return sum(any(e["kind"] == "queue_join" for e in c["events"])
               for c in contacts_with_prefix(stack.settings.db_url, prefix))


@pytest.fixture(scope="module")
def quick_agent() -> Iterator[AgentPhone]:
    """An agent who hangs up two seconds after answering: the queue keeps moving."""
    with AgentPhone(mode="answer", max_seconds=2) as phone:
        yield phone


def test_killed_application_fallback_then_back_queued_calls_answered(
        tmp_path_factory: pytest.TempPathFactory, quick_agent: AgentPhone,
        pool: ThreadPoolExecutor) -> None:
    with running_stack(tmp_path_factory, quick_agent, departments=NO_WRAPUP) as stack:
        prefix = f"kill-{uuid.uuid4().hex[:8]}"
        load = start_load(pool, stack, prefix, hold_seconds=40)
        # every caller is in the queue
        assert eventually(lambda: queued(stack, prefix) == 20, 40), "not all queued within 40 s"
        connections = ari_connections(stack)
        stack.stop_app(signal.SIGKILL)  # every IVR process: only then does the dialplan answer
        answered_at_kill = quick_agent.calls_answered
        during = stack.call(hold_seconds=3)  # the dialplan fallback answers after the claim wait
        assert during.answered and during.heard_seconds > 0.5, during.error
        assert stack.contact(during.ref, wait=1) is None  # not the application: it is down
        stack.start_app()  # what the supervisor does
        assert eventually(lambda: ari_connections(stack) > connections, 5, 0.05)
        after = stack.call(dtmf="11")
        assert after.answered
        contact = stack.contact(after.ref)
        assert contact is not None and contact["routed_by"] == "dtmf", stack.app_log()
        result = load.result(timeout=150)
        assert (result.attempted, result.failed) == (20, 0), result.error  # nobody dropped
        # callers queued before the kill went on being answered after it
        assert quick_agent.calls_answered >= answered_at_kill + 3


def test_application_reconnects_by_itself_after_asterisk_restarts_under_load(
        live: Stack, pool: ThreadPoolExecutor) -> None:
    app = live.app
    first = start_load(pool, live, f"before-{uuid.uuid4().hex[:8]}", hold_seconds=2)
    first.result(timeout=120)
    live.asterisk.restart(timeout=30)
    live.wait_registered(timeout=15)  # backoff tops out at 5 s
    assert app is not None and app.poll() is None  # the same process, reconnected
    prefix = f"after-{uuid.uuid4().hex[:8]}"
    result = start_load(pool, live, prefix, hold_seconds=2).result(timeout=120)
    assert (result.attempted, result.failed) == (20, 0), result.error
    stored = wait_for_contacts(live.settings.db_url, prefix, 20)
    assert {c["routed_by"] for c in stored} == {"dtmf"} and len(stored) == 20


@pytest.mark.pg
def test_database_outage_loses_and_duplicates_no_contact(
        stack: Stack, pg_database: str, pg_proxy: TcpProxy, pool: ThreadPoolExecutor) -> None:
    original = stack.settings
    stack.stop_app()
    stack.settings = original.with_(db_url=pg_url(pg_database, pg_proxy.port))
    try:
        stack.start_app()
        prefix = f"outage-{uuid.uuid4().hex[:8]}"
        load = start_load(pool, stack, prefix, calls=30, concurrent=15, rate=1,
                          hold_seconds=2)
        # calls are stored through the link before it goes
        assert eventually(lambda: contacts_with_prefix(pg_url(pg_database), prefix), 20)
        pg_proxy.close()  # the database vanishes for the 30 s while calls come and go
        time.sleep(30)
        pg_proxy.open()
        result = load.result(timeout=150)
        assert (result.attempted, result.failed) == (30, 0), result.error
        stored = wait_for_contacts(pg_url(pg_database), prefix, 30)
    finally:
        stack.stop_app()
        stack.settings = original
    assert sorted(c["ref"] for c in stored) == sorted(f"{prefix}-{n}" for n in range(1, 31))
    unfinished = [(c["ref"], c["hangup_stage"], [e["kind"] for e in c["events"]])
                  for c in stored if c["outcome"] is None]
    assert not unfinished, unfinished  # every spooled op was replayed, every hang-up seen
    for contact in stored:  # replaying twice would repeat events
        seqs = [event["seq"] for event in contact["events"]]
        assert len(seqs) == len(set(seqs)), contact


def test_flood_of_bad_sip_and_key_garbage_does_not_starve_a_real_caller(
        live: Stack, pool: ThreadPoolExecutor) -> None:
    garbage = start_load(pool, live, f"garbage-{uuid.uuid4().hex[:8]}", calls=10,
                         concurrent=10, rate=10, dtmf="*#9*#*#0##", hold_seconds=4)
    with SipFlood(("127.0.0.1", live.settings.sip_port), rate=1000) as flood:
        assert eventually(lambda: flood.sent > 1000, 5, 0.1)  # the flood is on
        real = live.call(dtmf="11")
    assert flood.sent > 1000  # the flood really ran while the real call was placed
    assert real.answered and real.heard_seconds > 1.0, real.error
    contact = live.contact(real.ref)
    assert contact is not None, live.app_log()
    assert (contact["target"], contact["routed_by"]) == ("etat-civil", "dtmf")
    assert garbage.result(timeout=120).failed == 0


WAVE = 200  # calls of the kill wave (the issue's), placed at RATE a second
RATE = 10


def calls_started(stack: Stack, index: int, offset: int) -> int:
    """New calls IVR process ``index`` logged from ``offset`` of its log on."""
    text = stack.log_path(index).read_bytes()[offset:].decode(errors="replace")
    return text.count("-> CallStarted ->")


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory, quick_agent: AgentPhone) -> Iterator[Stack]:
    """Two IVR processes: one is killed, the other takes its calls over. RTP ports for
    the whole wave at once (callers and agents)."""
    with running_stack(tmp_path_factory, quick_agent, departments=NO_WRAPUP,
                       settings={"ivr_processes": 2}, rtp_ports=4 * WAVE + 100) as stack:
        yield stack


def test_one_of_two_processes_killed_under_a_wave_nobody_meets_the_fallback(
        pair: Stack, pool: ThreadPoolExecutor) -> None:
    """kill -9 one of two IVR processes under a wave of callers, the one that records
    the queue facts: the survivor claims every new call, takes over the killed one's
    callers and records the facts it missed, nothing is recorded twice, and once
    restarted the killed process takes calls again."""
    stack = pair
    prefix = f"wave-{uuid.uuid4().hex[:8]}"
    load = start_load(pool, stack, prefix, calls=WAVE, concurrent=WAVE, rate=RATE,
                      hold_seconds=12)
    # killed once the wave is well under way: a sixth of it in the recorder, and
    # callers reaching the queue (facts flowing)
    reading = eventually(lambda: [s.index for s in read_statuses(stack.settings)
                                  if s.facts_since is not None], 60, 0.1,
                         until=lambda found: len(found) == 2)
    victim = min(reading, default=0)
    assert eventually(lambda: queued(stack, prefix) >= 5, 60, 0.2), "nobody queued"
    assert eventually(lambda: stack.calls_of(victim) >= WAVE // 6, 60, 0.1), "no call held"
    held = stack.calls_of(victim)
    offset = stack.log_path(victim).stat().st_size
    stack.crash(victim)
    result = load.result(timeout=180)
    assert (result.attempted, result.failed) == (WAVE, 0), result.error
    stored = wait_for_contacts(stack.settings.db_url, prefix, WAVE, timeout=60)
    stack.wait_registered()
    again = start_load(pool, stack, f"again-{uuid.uuid4().hex[:8]}", calls=6,
                       concurrent=6, rate=6, hold_seconds=4).result(timeout=120)
    back = calls_started(stack, victim, offset)
    assert sorted(c["ref"] for c in stored) == sorted(f"{prefix}-{n}" for n in range(1, WAVE + 1))
    assert [c["ref"] for c in stored if c["outcome"] == "fallback"] == []
    assert [c["ref"] for c in stored if c["outcome"] is None] == []
    taken_over = [c for c in stored if any(e["kind"] == "resumed" for e in c["events"])]
    assert taken_over, f"none of the {held} calls of the killed process was resumed"
    for contact in stored:  # one copy of each queue fact, though both processes heard it
        kinds = [e["kind"] for e in contact["events"]]
        assert kinds.count("queue_join") <= 1 and kinds.count("agent_connect") <= 1, contact
    assert again.failed == 0 and back >= 1, "the restarted process took no call"


def kill_between_two_statuses(stack: Stack, call_id: str, *, journal: bool) -> None:
    """kill -9 the IVR process playing a prompt to ``call_id`` as if the prompt had
    started after its last status: the status names no prompt, the journal (``journal``)
    does — or, without it, nothing does and the survivor cannot stop the prompt. The
    supervisor's restart follows."""
    found = eventually(lambda: [s for s in read_statuses(stack.settings)
                                if s.ready and call_id in s.playbacks], 20, 0.05)
    assert found, f"no process says it plays a prompt to {call_id}"
    index = found[0].index
    app = stack.apps[index]
    app.send_signal(signal.SIGSTOP)  # frozen: it writes nothing more
    status_path = app_status_path(stack.settings, index)
    status = json.loads(status_path.read_text())
    playing, status["playbacks"] = status["playbacks"], {}
    status_path.write_text(json.dumps(status))
    lines = "".join(f"{call} {playback}\n" for call, playback in playing.items())
    app_playbacks_path(stack.settings, index, app.pid).write_text(lines if journal else "")
    stack.stop_one(index, signal.SIGKILL)
    stack.start_one(index, wait=False)


def killed_mid_prompt(stack: Stack, *, journal: bool) -> dict[str, Any]:
    """A call whose IVR process is killed during its first prompt; its contact once
    ended (the caller hangs up six seconds into the call)."""
    stack.wait_registered()
    ref = str(uuid.uuid4())
    call = stack.start_call(hold_seconds=6, ref=ref)
    started = stack.contact(ref)
    assert started is not None, stack.app_log()
    kill_between_two_statuses(stack, started["call_id"], journal=journal)
    assert call.result(timeout=60).answered
    contact = stack.contact(ref, until=lambda c: c["outcome"] is not None)
    assert contact is not None and contact["outcome"] is not None, stack.app_log()
    return contact


def test_a_call_killed_in_the_middle_of_its_prompt_is_taken_over_at_once(pair: Stack) -> None:
    """Asterisk moves a channel only once its prompt is over: a survivor that could
    not stop the prompt would leave the caller in the dead process for the rest of the
    welcome (long enough here for the caller to hang up first). With the journal it
    stops it and resumes the call at once; without, the contact is still ended."""
    contact = killed_mid_prompt(pair, journal=True)
    assert any(e["kind"] == "resumed" for e in contact["events"]), contact
    contact = killed_mid_prompt(pair, journal=False)
    assert (contact["outcome"], contact["hangup_stage"]) == ("abandoned_menu", "takeover"), contact
    assert not any(e["kind"] == "resumed" for e in contact["events"]), contact


FACT_CALLS = 3


def completed_in_queue_log(stack: Stack, call_ids: set[str]) -> set[str]:
    """The calls app_queue logged as ended with an agent (``COMPLETE*``)."""
    path = stack.asterisk.layout.dir("log") / "queue_log"
    lines = path.read_text(errors="replace").splitlines() if path.exists() else []
    return {f[1] for f in (line.split("|") for line in lines)
            if len(f) > 4 and f[1] in call_ids and f[4].startswith("COMPLETE")}


def test_the_process_recording_queue_facts_killed_its_peer_records_what_it_missed(
        pair: Stack, pool: ThreadPoolExecutor) -> None:
    """One process records the queue facts, the other keeps them unread. The recorder
    hangs — its status still written, as if only its AMI reader were stuck — while
    callers reach an agent who hangs up, then is killed: its peer has recorded the
    facts it kept (who answered, the talk time) once the recorder did not."""

    stack = pair
    stack.wait_registered()
    # a process says from when it reads every fact at its first one: a call to a queue
    warm = start_load(pool, stack, f"warm-{uuid.uuid4().hex[:8]}", calls=1, concurrent=1,
                      rate=1, hold_seconds=6)
    statuses = eventually(lambda: [s for s in read_statuses(stack.settings)
                                   if s.facts_since is not None], 30, 0.1,
                          until=lambda found: len(found) == 2)
    assert len(statuses) == 2 and warm.result(timeout=60).failed == 0
    recorder = min(s.index for s in statuses)
    app = stack.apps[recorder]
    app.send_signal(signal.SIGSTOP)
    path = app_status_path(stack.settings, recorder)
    hung = json.loads(path.read_text())
    stop = threading.Event()

    def looks_alive() -> None:  # a hung process whose status still looks fresh
        while not stop.wait(0.3):
            path.write_text(json.dumps({**hung, "updated": time.time()}))

    refresher = threading.Thread(target=looks_alive, daemon=True)
    refresher.start()
    try:
        prefix = f"facts-{uuid.uuid4().hex[:8]}"
        # one agent, who hangs up after two seconds: each caller waits for it in turn
        load = start_load(pool, stack, prefix, calls=FACT_CALLS, concurrent=FACT_CALLS,
                          rate=FACT_CALLS, hold_seconds=40)
        started = eventually(lambda: contacts_with_prefix(stack.settings.db_url, prefix), 40,
                             0.3, until=lambda found: len(found) == FACT_CALLS)
        call_ids = {c["call_id"] for c in started}
        done = eventually(lambda: completed_in_queue_log(stack, call_ids), 60, 0.2,
                          until=lambda done: done == call_ids)
        assert done == call_ids, "an agent did not end every call"
    finally:
        stop.set()
        refresher.join()
        stack.stop_one(recorder, signal.SIGKILL)
    stack.start_one(recorder, wait=False)
    assert load.result(timeout=120).failed == 0
    stored = wait_for_contacts(stack.settings.db_url, prefix, FACT_CALLS, timeout=30)
    assert len(stored) == FACT_CALLS
    for contact in stored:
        kinds = [e["kind"] for e in contact["events"]]
        assert kinds.count("agent_connect") == 1, contact
        assert contact["outcome"] == "answered" and contact["agent"], contact
        assert contact["talk_seconds"] is not None, contact
    stack.wait_registered()
