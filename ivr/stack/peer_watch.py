"""One IVR process's view of its peers, refreshed a few times a second.

It writes this process's status (calls in progress, last ARI event, event-loop lag),
keeps the journal of the playbacks started since (``PlaybackJournal``), reads the
others', answers ``claim_delay`` from them, and takes over the calls of a
peer that stopped being ready when ``ivr.stack.peers.orphans_to_take`` says so: a
killed process's callers are resumed by a survivor within about ``EVERY`` seconds.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Awaitable, Callable, Mapping

from ivr.settings import Settings
from ivr.stack import peers
from ivr.stack.peer_files import (
    PlaybackJournal,
    read_journal,
    read_statuses,
    sweep_journals,
    write_status,
)

log = logging.getLogger(__name__)

EVERY = 0.25  # seconds between two looks at the peers

# (application, pid that left it, its calls' playbacks) -> calls moved
TakeOver = Callable[[str, int, Mapping[str, str]], Awaitable[int]]


class PeerWatch:
    """Status writer, peer reader and takeover trigger of IVR process ``index``."""

    def __init__(self, settings: Settings, index: int, playbacks: Callable[[], dict[str, str]],
                 last_event: Callable[[], float | None], ready: Callable[[], bool],
                 take_over: TakeOver, chores: Callable[[], None] = lambda: None,
                 facts: Callable[[], tuple[float | None, float | None]] = lambda: (None, None),
                 ) -> None:
        """``playbacks``: this process's calls, each with its current playback ("": none);
        ``chores``: run at each look, once this process takes calls; ``facts``: the
        queue facts it reads since, and recorded through (``ivr.stack.fact_duty``)."""
        self.chores, self.facts = chores, facts
        self.settings, self.index = settings, index
        self.playbacks, self.last_event, self.ready, self.take_over = (
            playbacks, last_event, ready, take_over)
        self.lag = 0.0
        self.peers: list[peers.PeerStatus] = []
        self.published: peers.PeerStatus | None = None  # the status last written
        sweep_journals(settings, index)
        self.journal = PlaybackJournal(settings, index)

    def note_playback(self, call: str, playback: str) -> None:
        """A playback about to start: a peer taking this call over can stop it."""
        self.journal.note(call, playback)

    def status(self) -> peers.PeerStatus:
        """This process now."""
        playbacks = self.playbacks()
        since, through = self.facts()
        return peers.PeerStatus(self.index, os.getpid(), self.ready(), len(playbacks),
                                self.last_event(), time.time(), self.lag,
                                {call: p for call, p in playbacks.items() if p},
                                facts_since=since, facts_through=through)

    def claim_delay(self) -> float:
        """``ivr.stack.peers.claim_delay`` for this process's last status against its
        peers' (the same age, and no walk over every call per new call)."""
        return peers.claim_delay(self.published or self.status(), self.peers, time.time())

    async def run(self) -> None:
        """Until cancelled: publish, read, take over; never lets an error end the loop."""
        try:
            while True:
                started = time.monotonic()
                try:
                    await self.tick()
                except Exception:  # a takeover that failed is tried again at the next tick
                    log.exception("peer watch failed")
                await asyncio.sleep(EVERY)
                self.lag = max(0.0, time.monotonic() - started - EVERY)
        finally:
            self.journal.close()  # kept on disk: a peer may still take our calls over

    async def tick(self) -> None:
        """One look: write our status, read the peers', take over the orphaned calls."""
        self.published = self.status()
        write_status(self.settings, self.published)
        self.journal.reset()  # the status names every playback so far: no await between
        self.peers = read_statuses(self.settings)
        if not self.ready():
            return
        self.chores()
        for peer in peers.orphans_to_take(self.index, self.peers):
            playbacks = {**peer.playbacks,
                         **read_journal(self.settings, peer.index, peer.pid)}
            moved = await self.take_over(self.settings.app_name(peer.index), peer.pid,
                                         playbacks)
            if moved:
                log.warning("took over the calls of a stopped IVR process",
                            extra={"ivr_process": peer.index, "pid": peer.pid, "calls": moved})
