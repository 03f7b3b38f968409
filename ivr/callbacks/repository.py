"""Every state change of a callback: one conditional UPDATE … RETURNING per transition.

States: ``pending → claimed → dialing → done``, ``dialing → pending`` (retry) or
``failed`` (attempts exhausted), ``cancelled`` by an agent. Each transition is a
compare-and-set: the UPDATE names the state (and lease) it expects, so two workers
can never both move a row, and a refused change raises ``TransitionRefused``.

Delivery guarantees (the choice this module implements):

- **Exactly-once claim.** ``claim_due`` is one statement on both dialects:
  ``UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) AND state='pending'
  RETURNING``. PostgreSQL skips rows another worker holds; SQLite (≥ 3.35 for
  RETURNING; SQLAlchemy renders no FOR UPDATE there) runs it under its single
  write lock, so the second worker sees the rows already ``claimed``.
- **At most one dial per attempt.** ``mark_dialing`` is committed *before* the
  originate. A ``claimed`` row whose lease expired was never dialled and goes back
  to ``pending`` (``release_expired``). A ``dialing`` row whose lease expired
  (worker crashed or hung mid-call) is *never* redialled automatically: the call
  may have reached the citizen. It stays ``dialing`` with ``outcome='interrupted'``
  and is listed for an agent, who claims it, reschedules it or cancels it.
- **At-least-once delivery through retries.** busy / no answer / failure →
  ``pending`` again after ``spacing`` until ``max_attempts``, then ``failed``.
- **Never two simultaneous dials** as long as the dialer gives up before its lease
  ends (the scheduler sizes the dialling lease above the dial timeout).

Every change appends a ``contact_events`` row (kind ``callback_<verb>``) to the
callback's contact in the same transaction, under the store's own seqs
(``ivr.store.seqs.store_seq``): in time order among the call's own events.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, String, and_, case, cast, func, insert, literal, or_, select
from sqlalchemy.orm import Session

from ivr.domain.phone_numbers import check_number
from ivr.store.models import Callback, Contact, ContactEvent
from ivr.store.seqs import store_seq
from ivr.store.transitions import TransitionRefused as TransitionRefused
from ivr.store.transitions import update_rows, update_some

log = logging.getLogger(__name__)

OPEN_STATES = ("pending", "claimed", "dialing", "failed")
INTERRUPTED = "interrupted"
Kind = str | Callable[[Callback], str]


class InvalidNumber(ValueError):
    """The number cannot be called back; ``reason`` comes from ``numbers.check_number``."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def request_callback(
    session: Session, contact_id: int | None, number: str, target: str, due_at: datetime,
    promised_before: datetime | None, priority: int = 0, max_attempts: int = 3,
    *, now: datetime,
) -> Callback:
    """Record a promised callback (number validated and stored as E.164)."""
    checked = check_number(number)
    if checked.e164 is None:
        raise InvalidNumber(checked.reason or "invalid")
    row = Callback(
        contact_id=contact_id, number=checked.e164, target=target, state="pending",
        priority=priority, due_at=due_at, promised_before=promised_before,
        attempts=0, max_attempts=max_attempts,
    )
    session.add(row)
    session.flush()
    _record(session, [row], now, "callback_requested",
            {"due_at": due_at.isoformat(), "target": target})
    return row


def due(now: datetime) -> list[ColumnElement[bool]]:
    """Conditions of a row the scheduler may claim at ``now``."""
    return [
        Callback.state == "pending",
        or_(Callback.due_at.is_(None), Callback.due_at <= now),
        or_(Callback.next_attempt_at.is_(None), Callback.next_attempt_at <= now),
    ]


def due_targets(session: Session, now: datetime) -> list[str]:
    """Departments with at least one due callback (the scheduler checks them first)."""
    query = select(Callback.target).where(*due(now), Callback.target.is_not(None)).distinct()
    return sorted(t for t in session.scalars(query) if t is not None)


def claim_due(
    session: Session, now: datetime, worker_id: str, limit: int, lease_seconds: float,
    targets: Iterable[str] | None = None,
) -> list[Callback]:
    """Claim up to ``limit`` due callbacks for ``worker_id``, exactly once (see module doc)."""
    pick = select(Callback.id).where(*due(now))
    if targets is not None:
        pick = pick.where(Callback.target.in_(list(targets)))
    pick = pick.order_by(Callback.priority.desc(), Callback.due_at, Callback.id)
    # A CTE, not ``IN (subquery)``: PostgreSQL may re-run a locking subquery per outer
    # row, each run skipping the rows the previous one locked, which voids the LIMIT.
    picked = pick.limit(limit).with_for_update(skip_locked=True).cte("picked")
    batch = uuid.uuid4().hex
    rows = _update(
        session, [Callback.id.in_(select(picked.c.id)), Callback.state == "pending"],
        state="claimed", claimed_by=worker_id,
        lease_id=literal(f"{batch}:") + cast(Callback.id, String),
        lease_until=now + timedelta(seconds=lease_seconds),
    )
    _record(session, rows, now, "callback_claimed", {"worker": worker_id})
    return sorted(rows, key=lambda r: (-r.priority, r.due_at or now, r.id))


def mark_dialing(session: Session, lease_id: str, now: datetime, lease_seconds: float) -> Callback:
    """Record the attempt BEFORE originating; refused if the lease was lost or expired."""
    return _one(
        session,
        [Callback.lease_id == lease_id, Callback.state == "claimed", Callback.lease_until > now],
        now, "callback_dialing",
        state="dialing", attempts=Callback.attempts + 1, outcome=None,
        lease_until=now + timedelta(seconds=lease_seconds),
    )


def record_attempt(session: Session, callback_id: int, call_id: str, outcome: str,
                   started: datetime, now: datetime) -> Contact:
    """Every callback attempt is a contact: outbound, linked to the call that asked for
    it, keyed by its channel id so the queue facts of an answered one complete it (the
    IVR may have recorded those facts first: the contact is then completed, not doubled)."""
    callback = session.get(Callback, callback_id)
    assert callback is not None
    contact = session.scalar(select(Contact).where(Contact.call_id == call_id))
    if contact is None:
        contact = Contact(call_id=call_id, started_at=started)
        session.add(contact)
    contact.channel, contact.direction = "phone", "outbound"
    contact.called, contact.target = callback.number, callback.target
    contact.parent_contact_id = callback.contact_id
    if outcome != "answered":  # an answered one is finished by its queue facts
        contact.outcome, contact.ended_at = outcome, now
    elif contact.outcome is None:
        contact.outcome = "answered"
    session.flush()
    return contact


def complete(session: Session, lease_id: str, outcome: str, now: datetime) -> Callback:
    """The citizen was reached: ``done``."""
    return _one(session, _dialing(lease_id), now, "callback_done",
                {"outcome": outcome}, state="done", outcome=outcome, completed_at=now,
                **_NO_LEASE)


def retry_later(
    session: Session, lease_id: str, reason: str, spacing: timedelta, now: datetime
) -> Callback:
    """Not reached (busy, no answer…): ``pending`` after ``spacing``, or ``failed`` at the limit."""
    exhausted = Callback.attempts >= Callback.max_attempts
    return _one(
        session, _dialing(lease_id), now,
        lambda row: "callback_failed" if row.state == "failed" else "callback_retry",
        {"outcome": reason},
        state=case((exhausted, "failed"), else_="pending"),
        # typed literal: the UTC conversion of the column type must apply inside CASE
        next_attempt_at=case(
            (exhausted, None), else_=literal(now + spacing, Callback.next_attempt_at.type)),
        outcome=reason, **_NO_LEASE,
    )


def release_expired(session: Session, now: datetime) -> tuple[list[Callback], list[Callback]]:
    """Expired leases: ``claimed`` rows back to ``pending``; ``dialing`` ones flagged.

    Returns ``(released, interrupted)``; interrupted rows are never redialled here.
    """
    expired = [Callback.lease_until.is_not(None), Callback.lease_until <= now]
    released = _update(session, [Callback.state == "claimed", *expired], state="pending",
                       **_NO_LEASE)
    _record(session, released, now, "callback_released")
    not_flagged = or_(Callback.outcome.is_(None), Callback.outcome != INTERRUPTED)
    interrupted = _update(session, [Callback.state == "dialing", not_flagged, *expired],
                          outcome=INTERRUPTED)
    _record(session, interrupted, now, "callback_interrupted")
    for row in interrupted:
        log.warning("callback interrupted while dialling: left for an agent",
                    extra={"callback": row.id, "worker": row.claimed_by})
    return released, interrupted


def late(session: Session, now: datetime) -> list[Callback]:
    """Callbacks whose promised window has passed and that are not done or cancelled."""
    query = select(Callback).where(
        Callback.state.in_(OPEN_STATES), Callback.promised_before < now
    ).order_by(Callback.promised_before, Callback.id)
    return list(session.scalars(query))


def list_callbacks(session: Session, states: Sequence[str] | None = None,
                   target: str | None = None) -> list[Callback]:
    """Callbacks in ``states`` (all by default), optionally of one department."""
    query = select(Callback).order_by(Callback.priority.desc(), Callback.due_at, Callback.id)
    if states:
        query = query.where(Callback.state.in_(list(states)))
    if target is not None:
        query = query.where(Callback.target == target)
    return list(session.scalars(query))


def list_for_department(session: Session, target: str,
                        states: Sequence[str] = OPEN_STATES) -> list[Callback]:
    """An agent's worklist: the department's callbacks in ``states``."""
    return list_callbacks(session, states, target)


def claim_manual(session: Session, callback_id: int, agent: str, now: datetime) -> Callback:
    """An agent takes a callback to dial it by hand (held with no expiry until recorded)."""
    return _one(session, [Callback.id == callback_id, _agent_may_take()], now,
                "callback_manual_claim", {"agent": agent},
                state="claimed", claimed_by=agent, lease_id=uuid.uuid4().hex, lease_until=None)


def record_result(
    session: Session, callback_id: int, agent: str, outcome: str, note: str | None, now: datetime
) -> Callback:
    """The agent's result of a manual callback: ``done`` with their outcome and note."""
    mine = [Callback.id == callback_id, Callback.state == "claimed",
            Callback.claimed_by == agent, Callback.lease_until.is_(None)]
    return _one(session, mine, now, "callback_result", {"agent": agent, "outcome": outcome},
                state="done", outcome=outcome, note=note, completed_at=now, **_NO_LEASE)


def reschedule(
    session: Session, callback_id: int, due_at: datetime, note: str | None, now: datetime
) -> Callback:
    """Move a callback that nobody is dialling to a new due time."""
    return _one(session, [Callback.id == callback_id, _agent_may_take(manual=True)], now,
                "callback_rescheduled", {"due_at": due_at.isoformat()},
                state="pending", due_at=due_at, next_attempt_at=None, outcome=None, note=note,
                **_NO_LEASE)


def cancel(session: Session, callback_id: int, reason: str, now: datetime) -> Callback:
    """Cancel a callback that nobody is dialling (citizen reached otherwise, duplicate…)."""
    return _one(session, [Callback.id == callback_id, _agent_may_take(manual=True)], now,
                "callback_cancelled", {"reason": reason},
                state="cancelled", outcome="cancelled", note=reason, **_NO_LEASE)


_NO_LEASE: dict[str, Any] = {"lease_id": None, "lease_until": None, "claimed_by": None}


def _dialing(lease_id: str) -> list[ColumnElement[bool]]:
    return [Callback.lease_id == lease_id, Callback.state == "dialing"]


def _agent_may_take(manual: bool = False) -> ColumnElement[bool]:
    """Rows no scheduler is working on: pending, failed, interrupted (and manual claims)."""
    free = or_(
        Callback.state.in_(("pending", "failed")),
        and_(Callback.state == "dialing", Callback.outcome == INTERRUPTED),
    )
    if manual:
        return or_(free, and_(Callback.state == "claimed", Callback.lease_until.is_(None)))
    return free


def _update(session: Session, where: list[ColumnElement[bool]], **values: Any) -> list[Callback]:
    return update_rows(session, Callback, where, **values)


def _one(session: Session, where: list[ColumnElement[bool]], now: datetime, kind: Kind,
         data: dict[str, Any] | None = None, **values: Any) -> Callback:
    rows = update_some(session, Callback, where, _kind_name(kind), **values)
    _record(session, rows, now, kind, data)
    return rows[0]


def _kind_name(kind: Kind) -> str:
    return kind if isinstance(kind, str) else "transition"


def _record(session: Session, rows: Sequence[Callback], now: datetime, kind: Kind,
            data: dict[str, Any] | None = None) -> None:
    """Append one event per row to its contact (contacts locked in id order on PostgreSQL)."""
    ids = sorted({r.contact_id for r in rows if r.contact_id is not None})
    if not ids:
        return
    session.execute(select(Contact.id).where(Contact.id.in_(ids)).order_by(Contact.id)
                    .with_for_update())
    tops = dict(session.execute(
        select(ContactEvent.contact_id, func.max(ContactEvent.seq))
        .where(ContactEvent.contact_id.in_(ids)).group_by(ContactEvent.contact_id)
    ).tuples().all())
    micros = time.time_ns() // 1000
    events = []
    for row in rows:
        if row.contact_id is None:
            continue
        tops[row.contact_id] = store_seq(tops.get(row.contact_id) or 0, micros)
        events.append({
            "contact_id": row.contact_id, "seq": tops[row.contact_id], "at": now,
            "kind": kind if isinstance(kind, str) else kind(row),
            "data": {"callback_id": row.id, "state": row.state, "attempts": row.attempts,
                     **(data or {})},
        })
    session.execute(insert(ContactEvent), events)
