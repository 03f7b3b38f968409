"""Decisions shared by the IVR processes behind ``StasisBroadcast()`` — pure, no I/O.

Every process is offered every new call (an ARI ``CallBroadcast``) and the first claim
wins. What each one knows of the others is their last status (``PeerStatus``, read from
the files ``ivr.stack.peer_files`` keeps in ``$TOWNHALL_HOME/run``). From it:

- ``claim_delay``: a process claims at once unless it holds more calls than the least
  busy ready peer, or its event loop lags far behind while a peer's does not; then it
  waits a little (per call of difference, the most when lagging), so the peer wins the
  race and one slow or loaded process does not hold callers the others could take. It
  always claims in the end: a peer seen ready may have died since its last status, and
  an unclaimed call would meet the dialplan fallback.
- ``rescuer``: the calls left in the application of a process that is not ready (it
  died, or restarts) are taken over by the lowest-index ready process, so they resume
  at once instead of waiting for the restart (a process back up resumes what is left).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

CLAIM_STEP = 0.02  # seconds of delay per call held above the least busy ready peer
BALANCE_SLACK = 2  # calls of difference under which both race (counts are snapshots)
MAX_CLAIM_DELAY = 0.2  # well under the dialplan's claim timeout: a call is always claimed
STALE_STATUS = 5.0  # seconds: a status older than this says nothing about load
LAGGING = 1.0  # seconds of event-loop lag past which a process lets its peers claim


@dataclass(frozen=True)
class PeerStatus:
    """One IVR process as it last described itself."""

    index: int
    pid: int
    ready: bool  # taking calls now (its pid is alive and its ARI link is up)
    calls: int = 0  # calls in progress in its application
    last_event: float | None = None  # epoch seconds of the last ARI event it handled
    updated: float = 0.0  # epoch seconds of this status
    lag: float = 0.0  # seconds its event loop was late at the last check
    # the playback each call was hearing: a call taken over hears it stopped at once
    # (Asterisk runs a channel's requests one after the other, a move after the prompt)
    playbacks: Mapping[str, str] = field(default_factory=dict)
    alive: bool = True  # its pid still runs (ready or not)
    # the queue facts it records (``ivr.stack.fact_duty``): the Asterisk timestamp from
    # which it reads them all (None: AMI not connected), and of the last it recorded
    facts_since: float | None = None
    facts_through: float | None = None


def claim_delay(mine: PeerStatus, peers: Iterable[PeerStatus], now: float) -> float:
    """Seconds to wait before claiming a broadcast call. ``mine`` is this process as it
    last published itself, like its peers: comparing a live count with the peers' up to
    a quarter second old made both processes wait at a busy hour (each saw itself the
    busier by the calls arrived since), the answer of every call 100 ms late (p50)."""
    others = [p for p in peers if p.index != mine.index and p.ready
              and now - p.updated <= STALE_STATUS]
    if not others:
        return 0.0
    if mine.lag >= LAGGING and any(p.lag < LAGGING for p in others):
        return MAX_CLAIM_DELAY
    extra = mine.calls - min(p.calls for p in others) - BALANCE_SLACK
    return min(MAX_CLAIM_DELAY, CLAIM_STEP * extra) if extra > 0 else 0.0


def rescuer(dead: int, ready: Iterable[int]) -> int | None:
    """The process that takes over the calls of process ``dead`` while it is not ready:
    the lowest-index ready one (None: nobody is ready; ``dead`` resumes its own calls
    when it is back, as a lone process always did)."""
    others = sorted(set(ready) - {dead})
    return others[0] if others else None


def orphans_to_take(me: int, statuses: Iterable[PeerStatus]) -> list[PeerStatus]:
    """The processes not ready whose calls ``me`` takes over now. Several processes may
    believe so for a moment (a status read while a peer starts): the takeover of each
    call is made exclusive by a lock (``ivr.stack.peer_files.take_orphan``)."""
    known = list(statuses)
    ready = {s.index for s in known if s.ready}
    return [s for s in known if not s.ready and rescuer(s.index, ready) == me]
