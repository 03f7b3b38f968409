"""Who records each queue fact among the IVR processes: the lowest that covers it."""

from __future__ import annotations

import math

from ivr.stack.fact_duty import (
    FRESH,
    MARGIN,
    STUCK,
    covers,
    held_from,
    recorded_before,
    recorded_through,
)
from ivr.stack.peers import PeerStatus

NOW = 1_800_000_000.0


def peer(index: int, since: float | None = NOW - 60, through: float | None = NOW - 1,
         *, alive: bool = True, age: float = 0.2) -> PeerStatus:
    return PeerStatus(index, 1000 + index, alive, updated=NOW - age, alive=alive,
                      facts_since=since, facts_through=through)


def test_a_live_fresh_connected_peer_covers_what_it_reads_since() -> None:
    assert covers(peer(0), NOW)
    assert not covers(peer(0, alive=False), NOW)  # killed
    assert not covers(peer(0, age=FRESH + 0.1), NOW)  # hung: its status stopped
    assert not covers(peer(0, since=None), NOW)  # its AMI link is down


def test_the_lowest_peer_records_and_the_others_keep_from_its_start() -> None:
    first, second = peer(0, since=NOW - 5), peer(1, since=NOW - 50)
    assert held_from(0, [first, second], NOW) == math.inf  # process 0 records all
    assert held_from(1, [first, second], NOW) == NOW - 5  # before, 0 did not read them
    assert held_from(2, [first, second], NOW) == NOW - 50  # 1 covers what 0 missed
    assert held_from(1, [peer(0, alive=False), second], NOW) == math.inf
    assert held_from(1, [peer(2)], NOW) == math.inf  # a higher peer covers nothing


def test_kept_facts_are_recorded_again_from_the_stopped_recorders_last_one() -> None:
    stopped = peer(0, through=NOW - 4, alive=False)
    assert recorded_before(1, [stopped, peer(1)], NOW) == NOW - 4 - MARGIN
    # the least recorded of several, and all of them when one recorded nothing
    assert recorded_before(2, [stopped, peer(1, through=NOW - 9, age=FRESH + 1)],
                           NOW) == NOW - 9 - MARGIN
    assert recorded_before(1, [peer(0, through=None, alive=False)], NOW) == -math.inf
    # a peer stopped long ago recorded nothing this process still keeps
    assert recorded_before(1, [peer(0, through=NOW - 600, alive=False, age=FRESH + STUCK + 1)],
                           NOW) == -math.inf
    assert recorded_before(1, [peer(0)], NOW) == -math.inf  # it still covers: not asked


def test_what_a_lower_peer_recorded_past_can_be_forgotten_even_if_it_died() -> None:
    assert recorded_through(1, [peer(0, through=NOW - 3, alive=False)]) == NOW - 3
    assert recorded_through(2, [peer(0, through=NOW - 3), peer(1, through=NOW - 1)]) == NOW - 1
    assert recorded_through(1, [peer(0, through=None), peer(2, through=NOW)]) == -math.inf
