"""Decisions between the IVR processes: who claims a new call when, who takes over the
calls of a process that stopped, and the seqs that keep their facts apart and in order."""

from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path

from ivr.cli.stack import process_line
from ivr.settings import Settings
from ivr.stack.peer_files import (
    JOURNAL_KEEP,
    LOCK_KEEP,
    PlaybackJournal,
    read_journal,
    read_status,
    read_statuses,
    release_orphan,
    sweep_journals,
    sweep_takeovers,
    take_orphan,
    write_status,
)
from ivr.stack.peers import (
    BALANCE_SLACK,
    LAGGING,
    MAX_CLAIM_DELAY,
    STALE_STATUS,
    PeerStatus,
    claim_delay,
    orphans_to_take,
    rescuer,
)
from ivr.store.seqs import FACT_SLOTS, SEQ_SLOTS, STORE_SLOT, fact_seq, store_seq, writer_seq

NOW = 1_800_000_000.0


def peer(index: int, calls: int = 0, *, ready: bool = True, updated: float = NOW,
         lag: float = 0.0) -> PeerStatus:
    return PeerStatus(index, 1000 + index, ready, calls, None, updated, lag)


def test_an_idle_or_lone_process_claims_at_once() -> None:
    assert claim_delay(peer(0), [], NOW) == 0.0
    assert claim_delay(peer(0, 3), [peer(0, 3), peer(1, 5)], NOW) == 0.0
    assert claim_delay(peer(0, 3), [peer(1, 3)], NOW) == 0.0  # a tie: both race
    # snapshots a moment apart at a busy hour: within the slack, neither waits
    assert claim_delay(peer(0, 40 + BALANCE_SLACK), [peer(1, 40)], NOW) == 0.0


def test_a_busier_process_claims_later_but_always_before_the_timeout() -> None:
    small = claim_delay(peer(0, 5), [peer(1, 2)], NOW)
    large = claim_delay(peer(0, 400), [peer(1, 2)], NOW)
    assert 0 < small < large == MAX_CLAIM_DELAY


def test_peers_that_are_down_or_silent_do_not_count() -> None:
    assert claim_delay(peer(0, 9), [peer(1, 0, ready=False)], NOW) == 0.0
    assert claim_delay(peer(0, 9), [peer(1, 0, updated=NOW - STALE_STATUS - 1)], NOW) == 0.0


def test_a_lagging_process_leaves_new_calls_to_a_healthy_peer_but_claims_in_the_end() -> None:
    slow = peer(0, 1, lag=LAGGING + 0.5)
    assert claim_delay(slow, [peer(1, 50)], NOW) == MAX_CLAIM_DELAY  # the peer wins first
    assert claim_delay(slow, [peer(1, 50, lag=LAGGING)], NOW) == 0.0  # all slow: the fewer
    assert claim_delay(slow, [], NOW) == 0.0


def test_the_lowest_ready_process_takes_over_a_stopped_one() -> None:
    assert rescuer(0, ready=[1, 2]) == 1
    assert rescuer(1, ready=[0, 2]) == 0
    assert rescuer(0, ready=[]) is None  # nobody: it resumes its own calls when back
    statuses = [peer(0, ready=False), peer(1), peer(2), peer(3, ready=False)]
    assert [s.index for s in orphans_to_take(1, statuses)] == [0, 3]
    assert orphans_to_take(2, statuses) == []
    assert orphans_to_take(1, [peer(0), peer(1)]) == []  # everyone up: nothing to take


def test_writer_seqs_grow_per_call_and_never_meet_another_process_or_a_fact() -> None:
    micros = 1_800_000_000_000_000
    first = writer_seq(0, micros, slot=0)
    same_instant = writer_seq(first, micros, slot=0)
    assert same_instant > first and same_instant % SEQ_SLOTS == first % SEQ_SLOTS
    other = writer_seq(0, micros, slot=1)
    fact = fact_seq(micros / 1_000_000, 0)
    assert len({first, other, fact}) == 3
    assert {first % SEQ_SLOTS, other % SEQ_SLOTS} <= set(range(FACT_SLOTS, SEQ_SLOTS))
    assert fact % SEQ_SLOTS < FACT_SLOTS
    assert writer_seq(0, micros + 1, slot=1) > first  # later is larger, whoever writes
    assert fact_seq(1.5, 1) == fact_seq(1.5, 0) + 1 < 2**63


def test_status_files_round_trip_and_say_who_is_ready(tmp_path: Path) -> None:
    settings = Settings.from_env({"TOWNHALL_HOME": str(tmp_path),
                                  "TOWNHALL_IVR_PROCESSES": "2"})
    mine = PeerStatus(0, os.getpid(), True, 2, NOW, NOW, 0.01, {"chan-1": "pb-1"},
                      facts_since=NOW - 9.5, facts_through=NOW - 0.5)
    write_status(settings, mine)
    assert read_status(settings, 0) == replace(mine, ready=False)  # no ready file yet
    write_status(settings, replace(mine, pid=999_999_999, facts_since=None))
    dead = read_status(settings, 0)  # its pid is gone: it covers no queue fact any more
    assert dead is not None and not dead.alive and dead.facts_since is None
    assert dead.facts_through == NOW - 0.5
    write_status(settings, mine)
    (tmp_path / "run" / "ivr-app.ready").write_text(f"{os.getpid()}\n")
    assert read_status(settings, 0).ready  # type: ignore[union-attr]
    (tmp_path / "run" / "ivr-app-1.json").write_text("{torn")
    assert [s.index for s in read_statuses(settings)] == [0]


def test_one_process_only_takes_over_a_call_and_locks_are_swept(tmp_path: Path) -> None:
    settings = Settings.from_env({"TOWNHALL_HOME": str(tmp_path)})
    assert take_orphan(settings, "chan-1", 4242)
    assert not take_orphan(settings, "chan-1", 4242)
    assert take_orphan(settings, "chan-1", 4343)  # left again later, by another process
    release_orphan(settings, "chan-1", 4343)  # the move failed: free to try again
    assert take_orphan(settings, "chan-1", 4343)
    assert sweep_takeovers(settings) == 0
    assert sweep_takeovers(settings, now=time.time() + 2 * LOCK_KEEP) == 2


def test_the_playbacks_started_since_the_last_status_are_journaled(tmp_path: Path) -> None:
    """A process killed between two statuses leaves its newest prompts in its journal:
    the peer taking its calls over reads each call's last one."""
    settings = Settings.from_env({"TOWNHALL_HOME": str(tmp_path)})
    journal = PlaybackJournal(settings, 1)
    journal.note("chan-1", "chan-1_ab_3")
    journal.reset()  # a status was written: it names that one
    journal.note("chan-1", "chan-1_ab_4")
    journal.note("chan-2", "chan-2_cd_1")
    journal.note("chan-1", "chan-1_ab_5")
    assert read_journal(settings, 1, os.getpid()) == {"chan-1": "chan-1_ab_5",
                                                      "chan-2": "chan-2_cd_1"}
    assert read_journal(settings, 1, 1) == {}  # no such process
    journal.close()
    journal.note("chan-2", "chan-2_cd_2")  # a call still playing while the process stops
    assert read_journal(settings, 1, os.getpid())["chan-2"] == "chan-2_cd_1"
    dead = tmp_path / "run" / "ivr-app-1.999999999.playbacks"
    dead.write_text("chan-9 chan-9_ef_2\n")
    assert sweep_journals(settings, 1) == 0  # its calls may still be being taken over
    assert sweep_journals(settings, 1, now=time.time() + 2 * JOURNAL_KEEP) == 1
    assert not dead.exists() and read_journal(settings, 1, os.getpid())  # ours is kept


def test_status_says_for_each_process_whether_it_takes_calls() -> None:
    ready = PeerStatus(1, 4242, True, 3, NOW - 1.5, NOW, facts_since=NOW - 60)
    recorder = PeerStatus(0, 4141, True, 2, NOW - 1.0, NOW, facts_since=NOW - 90)
    assert process_line(None, ready, [], NOW) == "not running"
    assert process_line(4343, ready, [], NOW) == "starting, pid 4343"  # a new pid, no status
    assert process_line(4242, ready, [recorder, ready], NOW) == (
        "taking calls, pid 4242, 3 calls in progress, last event 1.5 s ago, keeps the queue "
        "facts (a lower process records them)")
    assert process_line(4242, ready, [ready], NOW).endswith(", records the queue facts")
    idle = PeerStatus(1, 4242, False, 0, None, NOW)
    line = process_line(4242, idle, [idle], NOW)
    assert line.startswith("not taking calls") and "no event" in line
    assert line.endswith("reads no queue fact yet")


def test_the_stores_own_events_sort_by_time_among_a_calls_ops() -> None:
    """A message or callback event written while a writer's earlier op of the call is
    still in its spool sorts after that op, and before the writer's later ones."""
    stored = writer_seq(0, 1_000_000, 0)  # the call's top in the store
    spooled = writer_seq(stored, 1_000_500, 1)  # written, not applied yet
    mine = store_seq(stored, 1_001_000)
    assert stored < spooled < mine < writer_seq(spooled, 1_002_000, 1)
    assert mine % SEQ_SLOTS == STORE_SLOT
    assert fact_seq(1.0, 99) % SEQ_SLOTS < STORE_SLOT  # a fact never takes the store's slot
    assert store_seq(mine, 1_000_000) == mine + 1  # a clock behind: still after the top
