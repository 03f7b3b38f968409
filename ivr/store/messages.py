"""The outbox: every SMS and e-mail the town hall sends, and its delivery state.

States: ``pending → sending → sent → delivered``; ``sending → pending``
again after a backoff when the gateway was certainly not reached, ``failed`` when it
refused the message (then the citizen's next allowed channel gets its own row),
``unknown`` when the attempt may have left but nobody knows: resent by itself only
when the gateway shows it does not have it (``resend_doubtful``), else by an agent.

Exactly once, as ``ivr.callbacks.repository`` does for calls: ``claim_due`` is one
``UPDATE … RETURNING`` over a ``FOR UPDATE SKIP LOCKED`` pick that also records each
row's fresh ``attempt_id``, committed *before* any gateway is called; an expired
``sending`` lease becomes ``unknown``. Every message is an outbound contact (channel
``sms`` or ``email``) linked to its request, whose outcome follows the state.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, String, case, cast, func, insert, literal, or_, select
from sqlalchemy import update as sql_update
from sqlalchemy.orm import Session

from ivr.messages.policy import MAX_ATTEMPTS, backoff
from ivr.messages.resend import DOUBTFUL, ResendPolicy, may_resend
from ivr.store.models import Contact, ContactEvent, Message
from ivr.store.seqs import store_seq
from ivr.store.transitions import TransitionRefused as TransitionRefused
from ivr.store.transitions import update_rows, update_some


def enqueue(session: Session, *, channel: str, recipient: str, body: str, purpose: str,
            now: datetime, subject: str | None = None, template: str | None = None,
            citizen_id: int | None = None, request_id: int | None = None,
            alert: bool = False, not_before: datetime | None = None,
            fallback_of: int | None = None, dedupe_key: str | None = None,
            alternates: list[dict[str, Any]] | None = None,
            attachment: str | None = None) -> Message:
    """Queue one message and its outbound contact, in the caller's transaction."""
    contact = Contact(ref=f"message:{uuid.uuid4().hex}", channel=channel, direction="outbound",
                      started_at=now, called=recipient, request_id=request_id,
                      subject=subject, body=body, outcome="pending")
    session.add(contact)
    session.flush()
    row = Message(channel=channel, recipient=recipient, body=body, purpose=purpose,
                  subject=subject, template=template, citizen_id=citizen_id,
                  request_id=request_id, contact_id=contact.id, alert=alert, state="pending",
                  attempts=0, max_attempts=MAX_ATTEMPTS, next_attempt_at=not_before,
                  fallback_of=fallback_of, dedupe_key=dedupe_key, alternates=alternates,
                  attachment=attachment, created_at=now)
    session.add(row)
    session.flush()
    _record(session, [row], now, "message_queued", {"channel": channel})
    return row


def _due(now: datetime) -> list[ColumnElement[bool]]:
    return [Message.state == "pending",
            or_(Message.next_attempt_at.is_(None), Message.next_attempt_at <= now)]


def claim_due(session: Session, now: datetime, worker_id: str, limit: int,
              lease_seconds: float, channels: Sequence[str] | None = None) -> list[Message]:
    """Claim up to ``limit`` due messages for ``worker_id``, exactly once, as ``sending``.

    Each claimed row gets its attempt id here, committed with the claim and before any
    gateway is called (one statement for the whole batch).
    """
    pick = select(Message.id).where(*_due(now))
    if channels is not None:
        pick = pick.where(Message.channel.in_(list(channels)))
    picked = (pick.order_by(Message.alert.desc(), Message.next_attempt_at, Message.id)
              .limit(limit).with_for_update(skip_locked=True).cte("picked"))
    batch = uuid.uuid4().hex
    rows = _update(session, [Message.id.in_(select(picked.c.id)), Message.state == "pending"],
                   state="sending", claimed_by=worker_id, attempts=Message.attempts + 1,
                   attempt_id=literal(f"{batch}:") + cast(Message.id, String), attempt_at=now,
                   lease_until=now + timedelta(seconds=lease_seconds))
    return sorted(rows, key=lambda r: (not r.alert, r.id))


def mark_sent(session: Session, sent: Mapping[str, str], now: datetime) -> list[Message]:
    """The gateway accepted these attempts (attempt id → gateway's id), in one statement."""
    if not sent:
        return []
    rows = _update(session, [Message.attempt_id.in_(list(sent)), Message.state == "sending"],
                   state="sent", sent_at=now, reason=None,
                   external_id=case(dict(sent), value=Message.attempt_id), **_NO_LEASE)
    _record(session, rows, now, "message_sent")
    return rows


def retry_later(session: Session, reasons: Mapping[str, str], now: datetime) -> list[Message]:
    """Certainly not sent: ``pending`` again after the backoff, or ``failed`` at the limit."""
    rows = list(session.scalars(select(Message).where(
        Message.attempt_id.in_(list(reasons)), Message.state == "sending")))
    done = [fail(session, row.id, f"{reasons[row.attempt_id or '']} ({row.attempts} essais)",
                 now, expected_state="sending")
            for row in rows if row.attempts >= row.max_attempts]
    again = {row.attempt_id: now + backoff(row.attempts) for row in rows
             if row.attempts < row.max_attempts and row.attempt_id}
    if not again:
        return done
    waiting = _update(session, [Message.attempt_id.in_(list(again)), Message.state == "sending"],
                      state="pending", reason=case(dict(reasons), value=Message.attempt_id),
                      next_attempt_at=case(
                          {a: literal(t, Message.next_attempt_at.type) for a, t in again.items()},
                          value=Message.attempt_id),
                      **_NO_LEASE)
    _record(session, waiting, now, "message_retry")
    return done + waiting


def mark_unknown(session: Session, attempt_id: str, reason: str, now: datetime) -> Message:
    """The attempt may have left: an agent decides, the sender never resends it."""
    return _one(session, _sending(attempt_id), now, "message_unknown",
                state="unknown", reason=reason, **_NO_LEASE)


def resend_doubtful(session: Session, channel: str, cutoff: datetime, now: datetime,
                    policy: ResendPolicy) -> list[Message]:
    """Doubtful ``channel`` messages the gateway shows it does not have go out again
    (the rule: ``ivr.messages.resend``); the guard in the UPDATE loses to a report that
    arrives meanwhile."""
    rows = session.scalars(select(Message).where(
        Message.channel == channel, Message.state.in_(DOUBTFUL),
        Message.reported_at.is_(None), Message.attempt_at <= cutoff))
    ids = [r.id for r in rows if may_resend(r.state, r.attempt_at, r.reported_at is not None,
                                            r.resends, cutoff, policy)]
    if not ids:
        return []
    again = _update(session, [Message.id.in_(ids), Message.state.in_(DOUBTFUL),
                              Message.reported_at.is_(None)],
                    state="pending", next_attempt_at=now, resends=Message.resends + 1,
                    reason="renvoi automatique : aucun rapport de remise, passerelle vide",
                    **_NO_LEASE)
    _record(session, again, now, "message_resent", {"actor": "automatique"})
    return again


def resend_unknown(session: Session, message_id: int, now: datetime, actor: str) -> Message:
    """An agent checked that an ``unknown`` attempt did not reach the citizen: send again."""
    return _one(session, [Message.id == message_id, Message.state == "unknown"], now,
                "message_resent", {"actor": actor}, state="pending", next_attempt_at=now,
                reason=f"renvoi demandé par {actor}", **_NO_LEASE)


def fail(session: Session, message_id: int, reason: str, now: datetime,
         expected_state: str | None = None) -> Message:
    """Mark the message failed with ``reason``; queue the next allowed channel, if any."""
    where = [Message.id == message_id,
             Message.state.in_((expected_state,) if expected_state
                               else ("sending", "sent", "pending"))]
    row = _one(session, where, now, "message_failed", {"reason": reason},
               state="failed", reason=reason, failed_at=now, **_NO_LEASE)
    _fallback(session, row, now)
    return row


def _fallback(session: Session, row: Message, now: datetime) -> Message | None:
    if not row.alternates:
        return None
    first, *rest = row.alternates
    return enqueue(session, channel=first["channel"], recipient=first["recipient"],
                   body=first["body"], subject=first.get("subject"), purpose=row.purpose,
                   template=row.template, citizen_id=row.citizen_id, request_id=row.request_id,
                   alert=row.alert, now=now, fallback_of=row.id, alternates=rest or None)


def delivery_report(session: Session, message_id: int, attempt_id: str, outcome: str | None,
                    detail: str, now: datetime) -> Message | None:
    """Apply a delivery report of attempt ``attempt_id`` (this message's current or an
    earlier one); None when it matches no message.

    Any report proves the gateway has or had the message, so it is never resent by
    itself after one, and a resend that has not left yet (``pending``) is taken back."""
    # an UPDATE first: it takes the row's write lock, so the sender recording the same
    # attempt and this report are serialised (and their contact events too)
    ours = or_(Message.attempt_id == attempt_id,
               literal(attempt_id).like(literal("%:") + cast(Message.id, String)))
    rows = _update(session, [Message.id == message_id, ours],
                   updated_at=func.now(), reported_at=now)
    if not rows:
        return None
    row = rows[0]
    if row.state == "pending" and outcome != "failed":  # a resend not yet left: taken back
        return _one(session, [Message.id == row.id, Message.state == "pending"], now,
                    "message_resend_cancelled", {"report": detail},
                    state="delivered" if outcome == "delivered" else "sent",
                    delivered_at=now if outcome == "delivered" else None,
                    attempt_id=attempt_id, next_attempt_at=None)
    if outcome == "delivered" and row.state in ("sent", "unknown", "sending"):
        return _one(session, [Message.id == row.id, Message.state == row.state], now,
                    "message_delivered", {"report": detail},
                    state="delivered", delivered_at=now, **_NO_LEASE)
    if outcome == "failed" and row.state in ("sent", "unknown", "sending"):
        return fail(session, row.id, detail or "non distribué", now, expected_state=row.state)
    _record(session, [row], now, "message_report", {"report": detail})
    return row


REPORT_WAIT = timedelta(hours=24)


def flag_unreported(session: Session, now: datetime,
                    wait: timedelta = REPORT_WAIT) -> list[Message]:
    """SMS accepted by the gateway with no delivery report after ``wait`` become
    ``unknown``: the gateway may have lost them (a Kannel stopped with messages still
    in its queue), so an agent checks them rather than the citizen never hearing."""
    lost = _update(session, [Message.state == "sent", Message.channel == "sms",
                             Message.sent_at <= now - wait],
                   state="unknown", reason="aucun rapport de remise : à vérifier")
    _record(session, lost, now, "message_unknown")
    return lost


def release_expired(session: Session, now: datetime) -> list[Message]:
    """Expired ``sending`` leases become ``unknown``: the attempt may have left."""
    expired = [Message.lease_until.is_not(None), Message.lease_until <= now]
    lost = _update(session, [Message.state == "sending", *expired], state="unknown",
                   reason="interrompu pendant l'envoi", **_NO_LEASE)
    _record(session, lost, now, "message_unknown")
    return lost


_NO_LEASE: dict[str, Any] = {"lease_until": None, "claimed_by": None}
_OUTCOME = {"pending": "pending", "sent": "sent", "delivered": "delivered",
            "failed": "failed", "unknown": "unknown", "cancelled": "cancelled"}


def _sending(attempt_id: str) -> list[ColumnElement[bool]]:
    return [Message.attempt_id == attempt_id, Message.state == "sending"]


def _update(session: Session, where: list[ColumnElement[bool]], **values: Any) -> list[Message]:
    return update_rows(session, Message, where, **values)


def _one(session: Session, where: list[ColumnElement[bool]], now: datetime, kind: str,
         data: dict[str, Any] | None = None, **values: Any) -> Message:
    rows = update_some(session, Message, where, kind, **values)
    _record(session, rows, now, kind, data)
    return rows[0]


def _record(session: Session, rows: Sequence[Message], now: datetime, kind: str,
            data: dict[str, Any] | None = None) -> None:
    """One event per message on its contact; the contact's outcome follows the state."""
    ids = sorted({r.contact_id for r in rows if r.contact_id is not None})
    if not ids:
        return
    tops = dict(session.execute(
        select(ContactEvent.contact_id, func.max(ContactEvent.seq))
        .where(ContactEvent.contact_id.in_(ids)).group_by(ContactEvent.contact_id)
    ).tuples().all())
    micros = time.time_ns() // 1000
    events = []
    by_state: dict[str, list[int]] = {}
    for row in rows:
        if row.contact_id is None:
            continue
        tops[row.contact_id] = store_seq(tops.get(row.contact_id) or 0, micros)
        events.append({"contact_id": row.contact_id, "seq": tops[row.contact_id], "at": now,
                       "kind": kind, "data": {"message_id": row.id, "state": row.state,
                                              "attempts": row.attempts, **(data or {})}})
        by_state.setdefault(row.state, []).append(row.contact_id)
    for state, contacts in by_state.items():
        if state in _OUTCOME:
            final = state in ("delivered", "failed", "cancelled")
            session.execute(sql_update(Contact).where(Contact.id.in_(contacts)).values(
                outcome=_OUTCOME[state], ended_at=now if final else None))
    session.execute(insert(ContactEvent), events)
