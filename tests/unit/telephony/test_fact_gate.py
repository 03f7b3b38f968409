"""The queue facts a process records and those it keeps while a lower peer records
them: kept unparsed, taken back at once when that peer stops, forgotten after a while."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from ivr.stack.fact_duty import FRESH, MARGIN, STUCK
from ivr.stack.peers import PeerStatus
from ivr.telephony.fact_gate import SINCE_GUARD, FactGate
from ivr.telephony.queue_events import AgentConnected, CallerJoined, QueueEvent

T0 = 1_800_000_000.0
AT = datetime(2027, 1, 15, 9, 0, tzinfo=UTC)


def joined(call: str, stamp: float) -> list[str]:
    """One event's lines as pyst2's reader hands them over."""
    return [line + "\r\n" for line in (
        "Event: QueueCallerJoin", "Privilege: agent,all", f"Timestamp: {stamp:.6f}",
        f"Uniqueid: {call}", "Queue: etat-civil", "CallerIDNum: 0612345678", "Position: 1")]


def connected(call: str, stamp: float) -> list[str]:
    return [line + "\r\n" for line in (
        "Event: AgentConnect", "Privilege: agent,all", f"Timestamp: {stamp:.6f}",
        f"Uniqueid: {call}", "Queue: etat-civil", "Interface: PJSIP/agent-1",
        "HoldTime: 3", "RingTime: 1", "DestUniqueid: leg-1")]


class Gate:
    """A gate for process 1 with a clock and a peer 0 the test moves."""

    def __init__(self) -> None:
        self.wall = T0
        self.peer: PeerStatus | None = None
        self.recorded: list[QueueEvent] = []
        self.learnt: list[QueueEvent] = []
        self.gate = FactGate(1, lambda: [self.peer] if self.peer else [], self.recorded.append,
                             self.learnt.append, lambda: AT, wall=lambda: self.wall)

    def lower_records(self, since: float, *, through: float | None = None,
                      alive: bool = True) -> None:
        self.peer = PeerStatus(0, 4242, alive, updated=self.wall, alive=alive,
                               facts_since=since, facts_through=through)

    def calls(self, events: list[QueueEvent]) -> list[str]:
        return [e.uniqueid for e in events]


@pytest.fixture
def g() -> Gate:
    return Gate()


def test_alone_a_process_records_every_fact_and_says_since_when(g: Gate) -> None:
    g.gate.connected()
    g.gate.admit(joined("c1", T0 - 0.01))
    g.gate.admit(connected("c1", T0))
    assert g.calls(g.recorded) == ["c1", "c1"] and isinstance(g.recorded[1], AgentConnected)
    assert g.gate.since == pytest.approx(T0 - 0.01 + SINCE_GUARD)  # its first event's stamp
    assert g.gate.through == pytest.approx(T0)
    g.gate.disconnected()
    assert g.gate.since is None and g.gate.through == pytest.approx(T0)


def test_facts_a_lower_peer_records_are_kept_unparsed_until_it_is_past_them(g: Gate) -> None:
    g.lower_records(since=T0 - 10, through=T0 - 1)
    g.gate.admit(joined("before", T0 - 11))  # before the peer read AMI: recorded here
    g.gate.admit(joined("c1", T0))
    g.gate.admit(joined("c2", T0 + 1))
    assert g.calls(g.recorded) == ["before"] and g.gate.kept == 2
    g.wall += 2
    g.lower_records(since=T0 - 10, through=T0 + MARGIN + 0.5)  # past c1 by the margin
    g.gate.review()
    assert g.gate.kept == 1 and g.calls(g.recorded) == ["before"] and g.learnt == []


def test_a_recorder_that_looks_alive_but_records_nothing_is_relieved(g: Gate) -> None:
    """Its status is written (event loop fine) but its AMI reader is stuck."""
    g.lower_records(since=T0 - 60, through=T0 - 30)
    g.gate.admit(joined("c1", T0))
    g.wall = T0 + STUCK - 0.5
    g.lower_records(since=T0 - 60, through=T0 - 30)
    g.gate.review()
    assert g.recorded == [] and g.gate.kept == 1
    g.wall = T0 + STUCK + 0.5
    g.lower_records(since=T0 - 60, through=T0 - 30)
    g.gate.review()
    assert g.calls(g.recorded) == ["c1"] and g.gate.kept == 0


def test_a_recorder_killed_leaves_its_unrecorded_facts_to_the_next(
        g: Gate, caplog: pytest.LogCaptureFixture) -> None:
    g.lower_records(since=T0 - 60)
    for n in range(6):  # one fact a second; the peer recorded up to the fourth
        g.gate.admit(joined(f"c{n}", T0 + n))
    g.wall = T0 + 6
    g.lower_records(since=T0 - 60, through=T0 + 3, alive=False)
    with caplog.at_level(logging.WARNING):
        g.gate.review()
    # recorded again from its last one less the margin (a duplicate is one row), the
    # earlier ones only followed (which agent talks to which caller)
    again = [f"c{n}" for n in range(6) if T0 + n >= T0 + 3 - MARGIN]
    assert g.calls(g.recorded) == again and g.calls(g.learnt) == ["c0"]
    assert g.gate.kept == 0 and g.gate.through == pytest.approx(T0 + 5)
    assert "taken from a peer" in caplog.text
    g.gate.admit(joined("c6", T0 + 7))  # and from now on, everything is recorded here
    assert g.calls(g.recorded)[-1] == "c6"


def test_a_hung_recorder_is_replaced_as_soon_as_its_status_is_stale(g: Gate) -> None:
    g.lower_records(since=T0 - 60, through=None)
    g.gate.admit(joined("c1", T0))
    g.wall += FRESH + 0.5  # its status was not rewritten since
    g.gate.admit(joined("c2", T0 + FRESH))
    assert g.calls(g.recorded) == ["c1", "c2"]  # it recorded nothing: all taken


def test_a_recorder_restarted_after_a_fact_does_not_cover_it(g: Gate) -> None:
    g.lower_records(since=T0 - 60, through=T0 - 1)
    g.gate.admit(joined("while-it-died", T0))
    g.wall = T0 + 2
    g.lower_records(since=T0 + 1.5, through=None)  # back, but it reads AMI from later
    g.gate.admit(joined("after", T0 + 2))
    assert g.calls(g.recorded) == ["while-it-died"] and g.gate.kept == 1


def test_an_event_without_timestamp_or_not_a_queue_fact_is_handled_in_place(g: Gate) -> None:
    g.lower_records(since=T0 - 60)
    g.gate.admit([line for line in joined("no-stamp", T0) if not line.startswith("Timestamp")])
    g.gate.admit(["Event: FullyBooted\r\n", f"Timestamp: {T0:.6f}\r\n"])
    g.wall = T0 + 1
    g.lower_records(since=T0 - 60, alive=False)
    g.gate.review()
    assert g.calls(g.recorded) == ["no-stamp"]  # the other one means nothing to the store
    assert all(isinstance(e, CallerJoined) for e in g.recorded)


def test_the_last_facts_a_quiet_recorder_recorded_are_not_mistaken_for_stuck(g: Gate) -> None:
    """A recorder's last fact is its ``through``: the facts just before it wait for a
    later one (AMI may deliver them out of order), they are not taken from a recorder
    that merely has nothing more to record."""
    g.lower_records(since=T0 - 60, through=T0)
    g.gate.admit(joined("c1", T0 - 0.5))
    g.gate.admit(joined("c2", T0))
    g.wall = T0 + 60
    g.lower_records(since=T0 - 60, through=T0)
    g.gate.review()
    assert g.recorded == [] and g.gate.kept == 2
    g.gate.admit(joined("c3", T0 + 61))  # recorded below when it comes: the others go
    g.lower_records(since=T0 - 60, through=T0 + 61)
    g.gate.review()
    assert g.recorded == [] and g.gate.kept == 1
