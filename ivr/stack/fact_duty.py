"""Which IVR process records each queue fact — pure, no I/O.

Every process reads every queue fact from AMI, so that none is missed when one dies.
Recording each one in every process doubled the store's work for nothing (a fact
recorded twice is one row: its seqs come from Asterisk's own timestamp), and that was
most of what the second process cost under load. So a fact is recorded by the
lowest-index process that *covers* it — alive, its status fresh, reading AMI since
before the fact — and the others keep it, unparsed, a few seconds. When nobody
below a process covers a fact it kept any more (the recorder was killed, hung, lost its
AMI link, or restarted after the fact), or no lower peer has recorded past it after
``STUCK`` seconds, that process records it: every doubt is settled by recording, since
a duplicate costs only work. A kept fact a lower peer recorded past is forgotten.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from enum import StrEnum

from ivr.stack.peers import PeerStatus

FRESH = 3.0  # seconds: a status older than this covers nothing (a hung process)
# seconds around a recorder's last recorded fact within which AMI may still deliver
# facts out of timestamp order: kept until the recorder is past them by this much
MARGIN = 2.0
# seconds after which a kept fact no lower peer has recorded past is taken: its recorder
# looks alive but does not record (its AMI reader stuck while its status is written)
STUCK = FRESH + MARGIN


def covers(peer: PeerStatus, now: float) -> bool:
    """``peer`` records, from its ``facts_since`` on, what no lower peer records."""
    return (peer.alive and peer.facts_since is not None
            and now - peer.updated <= FRESH)


def held_from(me: int, peers: Iterable[PeerStatus], now: float) -> float:
    """The Asterisk timestamp from which a lower peer records the facts for process
    ``me`` (``inf``: none does, ``me`` records every fact)."""
    return min((p.facts_since or math.inf for p in peers if p.index < me and covers(p, now)),
               default=math.inf)


def recorded_through(me: int, peers: Iterable[PeerStatus]) -> float:
    """The latest fact a lower peer recorded, dead or alive: ``me`` can forget the facts
    it kept up to ``MARGIN`` before it (``-inf``: none recorded any)."""
    return max((p.facts_through for p in peers
                if p.index < me and p.facts_through is not None), default=-math.inf)


def recorded_before(me: int, peers: Iterable[PeerStatus], now: float) -> float:
    """Facts ``me`` kept that are stamped before this were surely recorded by the peer
    that stopped covering them: ``me`` only learns from them (which agent talks to
    which caller) and records the later ones. The least recorded point of the lower
    peers that stopped lately, less ``MARGIN`` (``-inf``: record them all)."""
    stopped = [p.facts_through if p.facts_through is not None else -math.inf
               for p in peers if p.index < me and not covers(p, now)
               and now - p.updated <= FRESH + STUCK]
    return min(stopped, default=-math.inf) - MARGIN


class Duty(StrEnum):
    """What a process does with the queue facts, as its status and its peers' say."""

    RECORDS = "records"  # no lower peer covers them
    KEEPS = "keeps"  # a lower peer records them; kept to take them if it stops
    OFF = "off"  # not reading AMI (not connected, or no fact since it connected)


def duty(status: PeerStatus, peers: Iterable[PeerStatus], now: float) -> Duty:
    """``status``'s process's duty now (``townhall-ivr status``, the admin's queues)."""
    if not covers(status, now):
        return Duty.OFF
    return Duty.RECORDS if held_from(status.index, peers, now) == math.inf else Duty.KEEPS
