"""« Send to a list »: one text to every subscriber of a list, paced, with its progress.

``start`` records the broadcast (the form's key makes a second submit refused, not a
second broadcast); the sender's minute chore calls ``queue_broadcasts``, which queues
the next ``per_minute`` subscribers after the broadcast's cursor, each on their
preferred channel, with the dedupe key ``diffusion:<id>:<citizen>`` — a message leaves
once whoever queues it. Consent is read when queued, so a « STOP » meanwhile is
honoured. Nothing is queued in quiet hours: the pace holds in the morning too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ivr.messages import policy
from ivr.messages.templates import Rendered
from ivr.requests.errors import InvalidInput
from ivr.rules import Rules
from ivr.store.db import Store
from ivr.store.models import Message, MessageBroadcast
from ivr.store.notifications import once, order_for, queue_rendered
from ivr.store.subscriptions import known_list, subscriber_ids

MAX_PER_MINUTE = 600


class AlreadyStarted(InvalidInput):
    """The same form was submitted twice: the broadcast runs once."""


@dataclass(frozen=True)
class Progress:
    id: int
    list_name: str
    subject: str
    state: str
    total: int
    queued: int
    by_state: dict[str, int]
    created_by: str
    created_at: datetime


def start(store: Store, *, key: str, list_name: str, subject: str, body: str,
          per_minute: int, actor: str, at: datetime) -> int:
    """Record a broadcast to ``list_name``; its id. ``AlreadyStarted`` on a second submit."""
    if not 1 <= per_minute <= MAX_PER_MINUTE:
        raise InvalidInput(f"Le rythme va de 1 à {MAX_PER_MINUTE} messages par minute.")
    if not body.strip() or not subject.strip():
        raise InvalidInput("L’objet et le texte sont obligatoires.")
    try:
        with store.session() as session:
            known_list(session, list_name)
            row = MessageBroadcast(key=key, list_name=list_name, subject=subject.strip(),
                                   body=body.strip(), per_minute=per_minute, cursor=0, queued=0,
                                   total=len(subscriber_ids(session, list_name)),
                                   state="en_cours", created_by=actor, created_at=at)
            session.add(row)
            session.flush()
            return row.id
    except IntegrityError:
        raise AlreadyStarted("Cette diffusion est déjà lancée (formulaire envoyé deux fois).") \
            from None


def queue_broadcasts(session: Session, rules: Rules, now: datetime) -> int:
    """Queue the next slice of every running broadcast (none in quiet hours)."""
    if policy.QuietHours(zone=rules.town.timezone).next_allowed(now) != now:
        return 0
    queued = 0
    for row in session.scalars(select(MessageBroadcast).where(
            MessageBroadcast.state == "en_cours").order_by(MessageBroadcast.id)):
        queued += _slice(session, rules, row, now)
    return queued


def _slice(session: Session, rules: Rules, row: MessageBroadcast, now: datetime) -> int:
    purpose = policy.list_purpose(row.list_name)
    batch = [c for c in subscriber_ids(session, row.list_name) if c > row.cursor]
    texts = Rendered(row.subject, row.body, row.body)
    queued = 0
    for citizen in batch[:row.per_minute]:
        order = order_for(session, citizen, purpose)
        if order:
            queued += once(session, lambda c=citizen, o=order: queue_rendered(
                session, rules, c, o, texts, now, purpose=purpose, template_id="diffusion",
                dedupe_key=f"diffusion:{row.id}:{c}"))
        row.cursor = citizen
    row.queued += queued
    if len(batch) <= row.per_minute:
        row.state, row.finished_at = "terminee", now
    return queued


def progress(store: Store, broadcast_id: int) -> Progress:
    """Where a broadcast stands: queued so far, and its messages by delivery state."""
    with store.session() as session:
        row = session.get(MessageBroadcast, broadcast_id)
        if row is None:
            raise InvalidInput("Diffusion inconnue.")
        counts = dict(session.execute(
            select(Message.state, func.count()).where(
                Message.dedupe_key.like(f"diffusion:{row.id}:%")).group_by(Message.state)
        ).tuples().all())
        return Progress(row.id, row.list_name, row.subject, row.state, row.total, row.queued,
                        counts, row.created_by, row.created_at)


def recent(store: Store, limit: int = 20) -> list[MessageBroadcast]:
    """The latest broadcasts, newest first."""
    with store.session() as session:
        rows = list(session.scalars(select(MessageBroadcast)
                                    .order_by(MessageBroadcast.id.desc()).limit(limit)))
        session.expunge_all()
        return rows
