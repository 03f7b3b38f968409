"""Complaints and suggestions (référentiel Marianne): acknowledge, answer, escalate.

A request whose type declares ``acknowledge_within`` is acknowledged (one history
line, and the acknowledgement with the answer's deadline sent to the citizen the way
the answer will be), closed only by ``answer`` — the answer text is stored on the request and queued
in the messages outbox, in the same transaction, on the channel the citizen used (an
e-mail by e-mail, a call or an SMS by SMS, the other one as fallback); a citizen with
neither is answered by post: an outbound contact « à envoyer » says so — and
escalated to the superviseur once late.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ivr.domain.hours import spoken_date
from ivr.marianne.complaints import Followed, acknowledgement, answer_channels, to_escalate
from ivr.messages.policy import QuietHours
from ivr.requests import lifecycle
from ivr.requests.errors import InvalidInput
from ivr.requests.inputs import clean_text
from ivr.requests.reference import grouped
from ivr.rules import Rules
from ivr.store import messages as outbox
from ivr.store.db import Store
from ivr.store.models import Contact, Request, RequestEvent
from ivr.store.notifications import contact_points
from ivr.store.requests import Audit, RequestView, _actor, _committed, _move, request_row

TO_SEND = "à envoyer"  # the subject prefix of an answer to send by post (no address)
ANSWER_SUBJECT = "Réponse à votre {label}"
ANSWER_PURPOSE = "reponse"  # a direct answer: no notifications consent needed


def acknowledge(store: Store, rules: Rules, reference: str, *, actor: str, at: datetime,
                audit: Audit | None = None) -> RequestView:
    """Send the acknowledgement and record it (once; a second call changes nothing)."""
    actor = _actor(actor)

    def work(session: Session, row: Request) -> None:
        if row.acknowledged_at is None:
            row.acknowledged_at = at
            session.add(RequestEvent(request_id=row.id, at=at, actor=actor, kind="acknowledged",
                                     from_status=row.status, to_status=row.status,
                                     note="accusé de réception envoyé"))
            label = lifecycle.request_type(rules, row.type).label.lower()
            due = spoken_date(row.due_at.astimezone(rules.town.zone).date())
            subject, text = acknowledgement(label, grouped(row.reference), due, rules.town.name)
            send_answer(session, rules, row, text, subject, at)

    return _committed(store, reference, work, audit)


def answer(store: Store, rules: Rules, reference: str, *, text: str, actor: str, at: datetime,
           to_status: str | None = None, adopted: bool | None = None,
           audit: Audit | None = None) -> RequestView:
    """Close the request with ``text``, the answer sent to the citizen by their channel.

    ``to_status`` defaults to the first final status of the workflow; ``adopted``
    marks a suggestion put into practice (« vous nous l'avez demandé, on l'a fait »).
    """
    body = clean_text(text, "la réponse", 5000)
    if not body:
        raise InvalidInput("La réponse à l'usager est obligatoire pour clore la demande.")
    actor = _actor(actor)

    def work(session: Session, row: Request) -> None:
        statuses = lifecycle.workflow(rules, row.type).statuses
        final = to_status or next(k for k, s in statuses.items() if s.final)
        if final not in lifecycle.final_statuses(rules, row.type):
            label = lifecycle.status(rules, row.type, final).label
            raise InvalidInput(f"« {label} » ne clôt pas la demande : choisissez un statut final.")
        _move(session, rules, row, final, actor, at, None)
        row.answer, row.adopted = body, adopted
        row.acknowledged_at = row.acknowledged_at or at
        session.add(RequestEvent(request_id=row.id, at=at, actor=actor, kind="answered",
                                 from_status=final, to_status=final, note=body))
        kind = lifecycle.request_type(rules, row.type).label.lower()
        send_answer(session, rules, row, body, ANSWER_SUBJECT.format(label=kind), at)

    return _committed(store, reference, work, audit)


def send_answer(session: Session, rules: Rules, row: Request, body: str, subject: str,
                at: datetime) -> None:
    """Queue ``body`` (an answer, an acknowledgement) on the citizen's channel (the
    others as fallbacks), else note that it goes by post."""
    points = contact_points(session, row.citizen_id) if row.citizen_id is not None else {}
    order = answer_channels(row.channel, points)
    if not order:
        session.add(Contact(channel=row.channel, direction="outbound", started_at=at,
                            request_id=row.id, body=body, outcome="info",
                            subject=f"{TO_SEND} par courrier : {subject}"))
        return
    (channel, recipient), *others = order
    rest = [{"channel": other, "recipient": to, "body": body,
             "subject": subject if other == "email" else None} for other, to in others]
    quiet = QuietHours(zone=rules.town.timezone)
    outbox.enqueue(session, channel=channel, recipient=recipient, body=body,
                   subject=subject if channel == "email" else None, purpose=ANSWER_PURPOSE,
                   citizen_id=row.citizen_id, request_id=row.id, now=at,
                   not_before=quiet.next_allowed(at), alternates=rest or None)


def followed_open(session: Session) -> list[Followed]:
    """Open requests of a followed type (with an acknowledgement deadline)."""
    query = select(Request.reference, Request.due_at, Request.acknowledge_due_at,
                   Request.acknowledged_at, Request.clock_stopped_at, Request.escalated_at).where(
        Request.closed_at.is_(None), Request.acknowledge_due_at.is_not(None))
    return [Followed(*row) for row in session.execute(query)]


def escalate_late(store: Store, *, now: datetime) -> list[str]:
    """Flag every late, not yet escalated, followed request; their references."""
    with store.session() as session:
        late = to_escalate(followed_open(session), now)
        for reference, why in late:
            row = request_row(session, reference)
            row.escalated_at = now
            session.add(RequestEvent(request_id=row.id, at=now, actor="ivr", kind="escalated",
                                     from_status=row.status, to_status=row.status,
                                     note=f"transmise au superviseur : {why}"))
        return [reference for reference, _ in late]
