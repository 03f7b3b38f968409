"""The alert dialer: claims due recipients of running campaigns at the allowed pace and
calls them concurrently, recording each result as soon as it is known.

A tick releases expired claims (a dead dialer's), then for each running campaign asks
the store how many calls are in progress and how many started over the last minute
(every dialer counted), claims what pacing allows, and starts one task per claim. The
store is written from worker threads, never while the event loop waits on it. A dialer
starting again under the same id releases its own old claims at once, so a killed
dialer restarted by the stack loses no time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy.exc import OperationalError

from ivr.alerts.adapters.caller import CallRequest, Report
from ivr.alerts.pacing import starts_allowed
from ivr.alerts.policy import Result, detect_machines, leave_on_machine
from ivr.rules.schema import Rules
from ivr.store import alerts as repo
from ivr.store.db import Store
from ivr.store.models import AlertCampaign

log = logging.getLogger(__name__)
# a busy database (SQLite's one writer under hundreds of calls) is waited for, briefly
WRITE_RETRIES = (0.2, 0.5, 1.0, 2.0, 5.0)


class Caller(Protocol):
    async def call(self, request: CallRequest, report: Report) -> None:
        """Place the call and ``report`` exactly one result."""
        ...


@dataclass(frozen=True)
class RunnerConfig:
    lease_seconds: float = 360.0  # above the caller's call limit plus the ring time
    interval: float = 0.5


@dataclass(frozen=True)
class Plan:
    """What one running campaign needs for its calls (read once per tick)."""

    campaign_id: int
    mode: str
    max_attempts: int
    message: tuple[str, ...]


class AlertRunner:
    """One dialer; several may run against the same store."""

    def __init__(self, store: Store, rules: Rules, caller: Caller, worker_id: str,
                 now: Callable[[], datetime], media: Callable[[AlertCampaign], tuple[str, ...]],
                 config: RunnerConfig | None = None) -> None:
        self.store, self.rules, self.caller = store, rules, caller
        self.worker_id, self.now, self.media = worker_id, now, media
        self.config = config or RunnerConfig()
        self.calls: set[asyncio.Task[None]] = set()
        self._media: dict[int, tuple[str, ...]] = {}

    def recover(self) -> int:
        """Release the claims a previous run under this id left (it died)."""
        with self.store.session() as session:
            released = repo.release_worker(session, self.worker_id, self.now())
        if released:
            log.warning("released the claims of a previous run", extra={
                "worker": self.worker_id, "count": released})
        return released

    async def tick(self) -> int:
        """Start the calls pacing allows now; returns how many were started."""
        plans = await asyncio.to_thread(self._plans)
        started = 0
        for plan in plans:
            claims = await asyncio.to_thread(self._claim, plan.campaign_id)
            for claim in claims:
                task = asyncio.create_task(self._attempt(plan, claim))
                self.calls.add(task)
                task.add_done_callback(self.calls.discard)
            started += len(claims)
        return started

    async def run_forever(self) -> None:
        """Tick every ``interval``; a failed tick (database away…) is logged and retried."""
        while True:
            try:
                await self.tick()
            except Exception:
                log.exception("alert tick failed", extra={"worker": self.worker_id})
            await asyncio.sleep(self.config.interval)

    async def drain(self) -> None:
        """Wait for the calls in progress (tests and ``--once``)."""
        while self.calls:
            await asyncio.gather(*list(self.calls), return_exceptions=True)

    def _plans(self) -> list[Plan]:
        now = self.now()
        with self.store.session() as session:
            repo.release_expired(session, now)
            plans = []
            for campaign in repo.running(session):
                if repo.finish_if_done(session, campaign.id, now):
                    log.info("alert campaign finished", extra={"campaign": campaign.id})
                    continue
                if campaign.id not in self._media:
                    self._media[campaign.id] = self.media(campaign)
                plans.append(Plan(campaign.id, campaign.mode, campaign.max_attempts,
                                  self._media[campaign.id]))
            return plans

    def _claim(self, campaign_id: int) -> list[repo.Claim]:
        now = self.now()
        with self.store.session() as session:
            campaign = repo.get_campaign(session, campaign_id)
            in_progress, recent = repo.pacing_counts(session, campaign_id, now)
            allowed = starts_allowed(channel_budget=campaign.channel_budget,
                                     in_progress=in_progress,
                                     calls_per_minute=campaign.calls_per_minute,
                                     started_last_minute=recent)
            return repo.claim_due(session, campaign_id, now, self.worker_id, allowed,
                                  self.config.lease_seconds)

    async def _attempt(self, plan: Plan, claim: repo.Claim) -> None:
        request = CallRequest(
            channel_id=claim.channel_id, number=claim.number,
            detect_machine=detect_machines(plan.mode),
            leave_on_machine=leave_on_machine(plan.mode, claim.attempt, plan.max_attempts),
            message=plan.message)

        async def report(result: Result) -> None:
            for pause in (*WRITE_RETRIES, None):
                try:
                    await asyncio.to_thread(self._record, claim, result)
                    return
                except OperationalError:
                    if pause is None:  # left to the lease: the recipient is dialled again
                        log.exception("alert result not recorded", extra={
                            "recipient": claim.recipient_id, "result": result.value})
                        return
                    await asyncio.sleep(pause)

        await self.caller.call(request, report)

    def _record(self, claim: repo.Claim, result: Result) -> None:
        facts = {"recipient": claim.recipient_id, "attempt": claim.attempt,
                 "result": result.value, "worker": self.worker_id}
        now = self.now()
        try:
            with self.store.session() as session:
                help_id = (repo.help_request(session, self.rules, claim, now)
                           if result is Result.HELP else None)
                decision = repo.record_result(session, claim, self.worker_id, result, now,
                                              help_request_id=help_id)
                if decision is None:  # released meanwhile: roll the help request back too
                    raise _ClaimLost
        except _ClaimLost:
            log.warning("alert result not recorded: claim lost", extra=facts)
            return
        log.info("alert call ended", extra={**facts, "state": decision.state})


class _ClaimLost(Exception):
    """The claim was released before its result came (the lease ran out)."""
