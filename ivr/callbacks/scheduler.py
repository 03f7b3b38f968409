"""The callback scheduler: claims due callbacks and dials them, one attempt at a time.

A tick releases expired leases, keeps the departments that are open and have an
available agent, claims their due callbacks (exactly once, see ``repository``),
then for each: commits ``dialing``, dials, and commits the outcome. Database work
is done in short transactions between dials, never while a call rings.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from ivr.callbacks import repository as repo
from ivr.store.db import Store
from ivr.store.models import Callback

log = logging.getLogger(__name__)


class DialOutcome(StrEnum):
    ANSWERED = "answered"
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    FAILED = "failed"


@dataclass(frozen=True)
class DialRequest:
    """What a dialer needs; ``lease_id`` names this attempt (channel ids derive from it)."""

    callback_id: int
    lease_id: str
    number: str
    target: str
    attempt: int

    @property
    def channel_id(self) -> str:
        """One channel id per attempt: the outbound contact and AMI facts are keyed by it,
        and a later check can ask ARI whether it still exists."""
        return "callback-" + self.lease_id.replace(":", "-")


class Dialer(Protocol):
    async def dial(self, request: DialRequest) -> DialOutcome:
        """Call the citizen; return once answered (and handed over) or given up."""
        ...


@dataclass(frozen=True)
class SchedulerConfig:
    """Sizes of one worker. ``dial_lease`` must exceed the dialer's longest dial."""

    batch: int = 5
    claim_lease: timedelta = timedelta(seconds=60)
    dial_lease: timedelta = timedelta(seconds=180)
    retry_spacing: timedelta = timedelta(seconds=600)


class CallbackScheduler:
    """One worker; several may run against the same store (threads, processes, hosts)."""

    def __init__(
        self, store: Store, dialer: Dialer, availability: Callable[[str], bool],
        hours_open: Callable[[str, datetime], bool], worker_id: str,
        now: Callable[[], datetime], config: SchedulerConfig | None = None,
    ) -> None:
        self.store, self.dialer, self.worker_id, self.now = store, dialer, worker_id, now
        self.availability, self.hours_open = availability, hours_open
        self.config = config or SchedulerConfig()

    async def tick(self) -> dict[int, DialOutcome]:
        """One round; returns the outcome of each callback dialled by this worker."""
        now = self.now()
        with self.store.session() as session:
            repo.release_expired(session, now)
        targets = self._ready_targets(now)
        if not targets:
            return {}
        with self.store.session() as session:
            claimed = repo.claim_due(session, now, self.worker_id, self.config.batch,
                                     self.config.claim_lease.total_seconds(), targets)
        results: dict[int, DialOutcome] = {}
        for row in claimed:
            outcome = await self._dispatch(row)
            if outcome is not None:
                results[row.id] = outcome
        return results

    async def run_forever(self, interval: float) -> None:
        """Tick every ``interval`` seconds; a failed tick (database away…) is logged and retried."""
        while True:
            try:
                dialled = await self.tick()
            except Exception:
                log.exception("callback tick failed", extra={"worker": self.worker_id})
                dialled = {}
            if not dialled:
                await asyncio.sleep(interval)

    def _ready_targets(self, now: datetime) -> list[str]:
        with self.store.session() as session:
            due = repo.due_targets(session, now)
        return [t for t in due if self.hours_open(t, now) and self.availability(t)]

    async def _dispatch(self, row: Callback) -> DialOutcome | None:
        assert row.lease_id is not None and row.target is not None
        try:
            with self.store.session() as session:
                dialing = repo.mark_dialing(session, row.lease_id, self.now(),
                                            self.config.dial_lease.total_seconds())
        except repo.TransitionRefused:
            log.info("callback lease lost before dialling", extra={"callback": row.id})
            return None
        request = DialRequest(row.id, row.lease_id, row.number, row.target, dialing.attempts)
        started = self.now()
        outcome = await self._dial(request)
        self._record(request, outcome, started)
        return outcome

    async def _dial(self, request: DialRequest) -> DialOutcome:
        try:
            return await self.dialer.dial(request)
        except Exception:
            log.exception("callback dial failed", extra={"callback": request.callback_id})
            return DialOutcome.FAILED

    def _record(self, request: DialRequest, outcome: DialOutcome, started: datetime) -> None:
        facts = {"callback": request.callback_id, "outcome": str(outcome),
                 "attempt": request.attempt, "worker": self.worker_id}
        try:
            with self.store.session() as session:
                repo.record_attempt(session, request.callback_id, request.channel_id,
                                    outcome.value, started, self.now())
                if outcome is DialOutcome.ANSWERED:
                    repo.complete(session, request.lease_id, outcome.value, self.now())
                else:
                    repo.retry_later(session, request.lease_id, outcome.value,
                                     self.config.retry_spacing, self.now())
        except repo.TransitionRefused:
            # An agent took the interrupted row over; their decision stands.
            log.warning("callback outcome not recorded: row moved meanwhile", extra=facts)
            return
        log.info("callback dialled", extra=facts)
