"""The sender: claims due messages from the outbox and hands them to their gateway.

A tick marks expired leases, claims a batch as ``sending`` with a new attempt id per
message (exactly once, committed before any gateway call, see
``ivr.store.messages``), hands the messages to their gateways concurrently (up to
``parallel``), then commits every answer in one transaction. Two commits per batch
keep the store's cost per message low. Several senders may share a store.

A gateway that can say whether it is empty (Kannel) is probed every few seconds; once
it has stayed empty long enough, the doubtful messages it shows it does not have are
queued again (``ivr.messages.resend``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from ivr.messages.resend import GatewayWatch, ResendPolicy
from ivr.messages.sending import (
    Failed,
    Gateway,
    Outgoing,
    Result,
    Retry,
    Sent,
    Unknown,
    Watchable,
)
from ivr.store import messages as outbox
from ivr.store.db import Store
from ivr.store.models import Message, Request

log = logging.getLogger(__name__)
RECORD_TRIES = 3


@dataclass(frozen=True)
class SenderConfig:
    batch: int = 50
    parallel: int = 10
    send_lease: timedelta = timedelta(seconds=300)  # above a whole batch's gateway calls
    chore_every: timedelta = timedelta(seconds=60)
    resend: ResendPolicy = field(default_factory=ResendPolicy)


class Sender:
    """One sender worker over the gateways it has (``sms``, ``email``)."""

    def __init__(self, store: Store, gateways: Mapping[str, Gateway], worker_id: str,
                 now: Callable[[], datetime], config: SenderConfig | None = None,
                 chore: Callable[[datetime], int] | None = None) -> None:
        self.store, self.gateways, self.worker_id, self.now = store, gateways, worker_id, now
        self.config = config or SenderConfig()
        self.chore = chore  # queues what the clock makes due (reminders…), once a minute
        self._next_chore: datetime | None = None
        self.watches = {channel: GatewayWatch(self.config.resend)
                        for channel, gateway in gateways.items()
                        if isinstance(gateway, Watchable)}

    async def tick(self) -> int:
        """One round; returns how many messages were handed to a gateway."""
        now = self.now()
        self._run_chore(now)
        await self._resend_doubtful(now)
        with self.store.session() as session:
            outbox.release_expired(session, now)
            claimed = outbox.claim_due(session, now, self.worker_id, self.config.batch,
                                       self.config.send_lease.total_seconds(),
                                       list(self.gateways))
            attempts = [Outgoing(row.id, row.attempt_id or "", row.channel, row.recipient,
                                 row.subject, row.body, self._reference(session, row),
                                 row.attachment) for row in claimed]
        if not attempts:
            return 0
        limit = asyncio.Semaphore(self.config.parallel)

        async def one(attempt: Outgoing) -> Result:
            async with limit:
                return await self._send(attempt)

        results = await asyncio.gather(*(one(attempt) for attempt in attempts))
        self._record_retrying(list(zip(attempts, results, strict=True)))
        return len(attempts)

    def _record_retrying(self, done: list[tuple[Outgoing, Result]]) -> None:
        """Unrecorded answers leave their rows ``sending`` until the lease ends, then
        doubtful: worth a few tries when SQLite stays locked in a burst."""
        for tries in range(1, RECORD_TRIES + 1):
            try:
                self._record(done)
                return
            except OperationalError:
                if tries == RECORD_TRIES:
                    raise
                log.warning("messages results not recorded yet", extra={"tries": tries})

    async def run_forever(self, interval: float) -> None:
        """Tick every ``interval`` seconds while idle; a failed tick is logged and retried."""
        while True:
            try:
                handled = await self.tick()
            except Exception:
                log.exception("messages tick failed", extra={"worker": self.worker_id})
                handled = 0
            if not handled:
                await asyncio.sleep(interval)

    def _run_chore(self, now: datetime) -> None:
        if self.chore is None or (self._next_chore is not None and now < self._next_chore):
            return
        self._next_chore = now + self.config.chore_every
        try:
            queued = self.chore(now)
        except Exception:  # a broken chore must not stop the sending
            log.exception("messages chore failed", extra={"worker": self.worker_id})
            return
        if queued:
            log.info("messages queued by the clock", extra={"count": queued})

    async def _resend_doubtful(self, now: datetime) -> None:
        """Probe the watchable gateways when due; requeue what they show they lack."""
        for channel, watch in self.watches.items():
            gateway = self.gateways[channel]
            if not watch.due(now) or not isinstance(gateway, Watchable):
                continue
            watch.observe(await gateway.empty() is True, now)
            cutoff = watch.cutoff(now)
            if cutoff is None:
                continue
            with self.store.session() as session:
                again = outbox.resend_doubtful(session, channel, cutoff, now,
                                               self.config.resend)
            if again:
                log.warning("doubtful messages resent: no report, gateway empty",
                            extra={"count": len(again), "channel": channel})

    @staticmethod
    def _reference(session: Session, row: Message) -> str | None:
        if row.request_id is None:
            return None
        return session.scalar(select(Request.reference).where(Request.id == row.request_id))

    async def _send(self, attempt: Outgoing) -> Result:
        try:
            return await self.gateways[attempt.channel].send(attempt)
        except Exception as exc:  # a gateway bug must not strand the row in "sending"
            log.exception("gateway failed", extra={"outbox_id": attempt.message_id})
            return Unknown(f"erreur interne de la passerelle : {type(exc).__name__}")

    def _record(self, done: list[tuple[Outgoing, Result]]) -> None:
        """Every answer of the batch in one transaction: one statement per common outcome."""
        now = self.now()
        sent = {a.attempt_id: r.external_id for a, r in done if isinstance(r, Sent)}
        retry = {a.attempt_id: r.reason for a, r in done if isinstance(r, Retry)}
        with self.store.session() as session:
            outbox.mark_sent(session, sent, now)  # rows a delivery report moved stay as they are
            if retry:
                outbox.retry_later(session, retry, now)
            for attempt, result in done:
                try:
                    with session.begin_nested():
                        self._rare(session, attempt, result, now)
                except outbox.TransitionRefused:
                    log.info("message result not recorded: row moved meanwhile",
                             extra={"outbox_id": attempt.message_id})
        log.info("messages handed over", extra={"count": len(done), "worker": self.worker_id})

    @staticmethod
    def _rare(session: Session, attempt: Outgoing, result: Result, now: datetime) -> None:
        match result:
            case Sent() | Retry():
                return
            case Failed(reason):
                outbox.fail(session, attempt.message_id, reason, now, expected_state="sending")
            case Unknown(reason):
                outbox.mark_unknown(session, attempt.attempt_id, reason, now)
