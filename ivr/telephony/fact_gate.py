"""The queue facts one IVR process records, and those it only keeps for a while.

Between AMI and ``QueueFacts``: each event arrives unparsed from the reader thread;
``ivr.stack.fact_duty`` says whether a lower-index peer records it. If one does, the
raw lines wait here until that peer has recorded past them, and are dropped unread (no
parsing, nothing written: what the second process used to spend on every fact). If
that peer stops covering them — killed, hung, its AMI link lost, restarted — or does
not record them within seconds, they are taken at once: recorded, or only learnt from
when the peer surely recorded them already.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Sequence
from datetime import datetime

from ivr.stack import fact_duty
from ivr.stack.peers import PeerStatus
from ivr.telephony.ami import raw_event, raw_stamp
from ivr.telephony.queue_events import QueueEvent

log = logging.getLogger(__name__)

# seconds after a connection's first event from which this process says it reads every
# fact: an event raised just before the login can carry a later stamp than that first one
SINCE_GUARD = 0.1


class FactGate:
    """Records the queue facts no lower peer records; keeps the others (thread-safe)."""

    def __init__(self, index: int, peers: Callable[[], Sequence[PeerStatus]],
                 record: Callable[[QueueEvent], None], learn: Callable[[QueueEvent], None],
                 now: Callable[[], datetime], wall: Callable[[], float] = time.time) -> None:
        """``record`` writes an event's facts, ``learn`` only follows the calls
        (``QueueFacts.learn``); ``now`` stamps parsed events, ``wall`` is epoch time."""
        self.index, self.peers = index, peers
        self.record, self.learn, self.now, self.wall = record, learn, now, wall
        self.since: float | None = None  # published: facts read from then on, all
        self.through: float | None = None  # published: the last one recorded here
        self._first = False  # the next event opens a connection
        self._kept: deque[tuple[float, list[str]]] = deque()
        self._lock = threading.Lock()

    @property
    def kept(self) -> int:
        return len(self._kept)

    def connected(self) -> None:
        with self._lock:
            self._first = True

    def disconnected(self) -> None:
        with self._lock:
            self.since, self._first = None, False

    def admit(self, lines: list[str]) -> None:
        """One event as read from AMI: recorded now, or kept."""
        stamp = raw_stamp(lines)
        with self._lock:
            if self._first and stamp is not None:
                self.since, self._first = stamp + SINCE_GUARD, False
            held_from = self._release()
            if stamp is not None and stamp >= held_from:
                self._kept.append((stamp, lines))
                return
            self._take(lines, record=True)

    def review(self) -> None:
        """Take the kept facts nobody records any more; forget the old ones."""
        with self._lock:
            self._release()

    def _release(self) -> float:
        """Settle the kept facts, oldest first, until one must still wait."""
        wall, peers = self.wall(), self.peers()
        held_from = fact_duty.held_from(self.index, peers, wall)
        through = fact_duty.recorded_through(self.index, peers)
        recorded_before = fact_duty.recorded_before(self.index, peers, wall)
        taken: Counter[str] = Counter()
        while self._kept:
            stamp, lines = self._kept[0]
            if stamp < held_from:  # nobody below covers it any more
                why = "recorded" if stamp >= recorded_before else "learnt"
            elif stamp < through - fact_duty.MARGIN:  # a peer below recorded past it
                why = ""
            elif stamp < wall - fact_duty.STUCK and self._stuck(through, wall):
                why = "recorded_from_stuck"  # covered, yet nothing past it was recorded
            else:
                break
            self._kept.popleft()
            if why:
                self._take(lines, record=why != "learnt")
                taken[why] += 1
        if taken:
            log.warning("queue facts taken from a peer that stopped recording them",
                        extra={"ivr_process": self.index, **taken})
        return held_from

    def _stuck(self, through: float, wall: float) -> bool:
        """The oldest kept fact later than the last one recorded below has waited more
        than ``STUCK``: the recorder reads no more (the facts before it, up to
        ``MARGIN`` back, were probably recorded and wait for a later one)."""
        for stamp, _lines in self._kept:
            if stamp > through:
                return stamp < wall - fact_duty.STUCK
        return False

    def _take(self, lines: list[str], *, record: bool) -> None:
        event = raw_event(lines, self.now())
        if event is None:
            return
        if not record:
            self.learn(event)
            return
        self.record(event)
        if event.stamp is not None:
            self.through = max(self.through or event.stamp, event.stamp)
