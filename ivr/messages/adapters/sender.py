"""The sender: claims due messages from the outbox and hands them to their gateway.

A tick releases expired leases, claims a batch (exactly once, see
``ivr.store.messages``), then for each message commits ``sending`` with a new
attempt id, calls the gateway, and commits what it answered. Gateways run
concurrently up to ``parallel``; database work happens in short transactions
between gateway calls. Several senders may share a store.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ivr.messages.sending import Failed, Gateway, Outgoing, Result, Retry, Sent, Unknown
from ivr.store import messages as outbox
from ivr.store.db import Store
from ivr.store.models import Message, Request

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SenderConfig:
    batch: int = 50
    parallel: int = 10
    claim_lease: timedelta = timedelta(seconds=60)
    send_lease: timedelta = timedelta(seconds=120)  # above any gateway timeout


class Sender:
    """One sender worker over the gateways it has (``sms``, ``email``)."""

    def __init__(self, store: Store, gateways: Mapping[str, Gateway], worker_id: str,
                 now: Callable[[], datetime], config: SenderConfig | None = None) -> None:
        self.store, self.gateways, self.worker_id, self.now = store, gateways, worker_id, now
        self.config = config or SenderConfig()

    async def tick(self) -> int:
        """One round; returns how many messages were handed to a gateway."""
        now = self.now()
        with self.store.session() as session:
            outbox.release_expired(session, now)
            claimed = outbox.claim_due(session, now, self.worker_id, self.config.batch,
                                       self.config.claim_lease.total_seconds(),
                                       list(self.gateways))
            leases = [(row.lease_id, self._reference(session, row)) for row in claimed]
        limit = asyncio.Semaphore(self.config.parallel)

        async def one(lease: str | None, reference: str | None) -> bool:
            async with limit:
                return await self._dispatch(lease, reference)

        sent = await asyncio.gather(*(one(lease, ref) for lease, ref in leases))
        return sum(sent)

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

    @staticmethod
    def _reference(session: Session, row: Message) -> str | None:
        if row.request_id is None:
            return None
        return session.scalar(select(Request.reference).where(Request.id == row.request_id))

    async def _dispatch(self, lease_id: str | None, reference: str | None) -> bool:
        assert lease_id is not None
        try:
            with self.store.session() as session:
                row = outbox.mark_sending(session, lease_id, self.now(),
                                          self.config.send_lease.total_seconds())
                attempt = Outgoing(row.id, row.attempt_id or "", row.channel, row.recipient,
                                   row.subject, row.body, reference)
        except outbox.TransitionRefused:
            log.info("message lease lost before sending", extra={"lease": lease_id})
            return False
        try:
            result = await self.gateways[attempt.channel].send(attempt)
        except Exception as exc:  # a gateway bug must not strand the row in "sending"
            log.exception("gateway failed", extra={"message": attempt.message_id})
            result = Unknown(f"erreur interne de la passerelle : {type(exc).__name__}")
        self._record(attempt, result)
        return True

    def _record(self, attempt: Outgoing, result: Result) -> None:
        now = self.now()
        with self.store.session() as session:
            match result:
                case Sent(external_id):
                    outbox.mark_sent(session, attempt.attempt_id, external_id, now)
                case Retry(reason):
                    outbox.retry_later(session, attempt.attempt_id, reason, now)
                case Failed(reason):
                    outbox.fail(session, attempt.message_id, reason, now,
                                expected_state="sending")
                case Unknown(reason):
                    outbox.mark_unknown(session, attempt.attempt_id, reason, now)
        log.info("message handed over", extra={"message": attempt.message_id,
                                               "result": type(result).__name__})
