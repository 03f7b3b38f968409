"""Notifications of a request's events, queued in the transaction that makes the change.

``notify_request`` is called by ``ivr.store.requests`` with the session that creates
the request or changes its status, so the message row commits (or rolls back) with
the change: nothing is lost between the change and the message. It queues nothing
when the citizen has not agreed to notifications or has no number or address.
An appointment gets « rendez-vous pris » at booking (``notify_appointment``) and
« annulé » instead of the generic status change. What is due by the clock rather than
by a change — the reminder two days before, the confirmation of a callback promised
by the IVR's writer — is queued by ``ivr.store.message_chores.queue_due``, which the
sender runs every minute;
a ``dedupe_key`` per event makes each of those leave once, whoever queues it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ivr.appointments import reminders
from ivr.appointments.slots import spoken_slot
from ivr.domain.hours import spoken_date, spoken_time
from ivr.flow.procedures import SendProcedureLink
from ivr.messages import policy
from ivr.messages.templates import DEFAULTS, Rendered, Template, render
from ivr.requests import lifecycle
from ivr.requests.reference import grouped
from ivr.rules import Rules
from ivr.store import messages as outbox
from ivr.store.citizens import citizen_ids
from ivr.store.db import Store
from ivr.store.models import (
    Appointment,
    Callback,
    CitizenContactPoint,
    Consent,
    Message,
    MessagePreference,
    MessageTemplate,
    Request,
)

SOON = timedelta(minutes=10)  # a callback due sooner than this is « dans les prochaines minutes »


def consent_in_force(session: Session, citizen_id: int, purpose: str) -> bool:
    """Whether the latest consent row of ``purpose`` grants it."""
    granted = session.scalar(select(Consent.granted).where(
        Consent.citizen_id == citizen_id, Consent.purpose == purpose)
        .order_by(Consent.at.desc(), Consent.id.desc()).limit(1))
    return bool(granted)


def template(session: Session, template_id: str) -> Template:
    """The agents' version of a template, else the shipped one."""
    shipped = DEFAULTS[template_id]
    row = session.get(MessageTemplate, template_id)
    if row is None:
        return shipped
    return Template(template_id, shipped.label, row.subject, row.sms, row.email)


def save_template(session: Session, edited: Template, actor: str) -> None:
    """Keep the agents' version of a template (checked by the caller with ``problems``)."""
    row = session.get(MessageTemplate, edited.id) or MessageTemplate(id=edited.id)
    row.subject, row.sms, row.email, row.updated_by = edited.subject, edited.sms, \
        edited.email, actor
    session.add(row)


def reset_template(session: Session, template_id: str) -> None:
    """Back to the shipped text."""
    row = session.get(MessageTemplate, template_id)
    if row is not None:
        session.delete(row)


def contact_points(session: Session, citizen_id: int) -> dict[str, str]:
    """The citizen's number (``phone``) and address (``email``), the oldest of each."""
    rows = session.execute(select(CitizenContactPoint.kind, CitizenContactPoint.value)
                           .where(CitizenContactPoint.citizen_id == citizen_id)
                           .order_by(CitizenContactPoint.id.desc())).tuples()
    return {kind: value for kind, value in rows}  # the oldest of each kind wins


def order_for(session: Session, citizen_id: int, purpose: str) -> list[tuple[str, str]]:
    """(channel, recipient) pairs to try, preferred first; empty without consent."""
    if not consent_in_force(session, citizen_id, purpose):
        return []  # most citizens: one query, not three (a 10,000-line import makes 10,000)
    points = contact_points(session, citizen_id)
    preferred = session.scalar(select(MessagePreference.channel)
                               .where(MessagePreference.citizen_id == citizen_id))
    channels = policy.channels_for(
        "sms" if preferred == "sms" else "email" if preferred == "email" else None,
        "phone" in points, "email" in points, True)
    return [(c, points["phone" if c == "sms" else "email"]) for c in channels]


def request_values(rules: Rules, row: Request, note: str | None = None) -> dict[str, Any]:
    """The variables a request's templates may use (all French, ready to print)."""
    zone = ZoneInfo(rules.town.timezone)
    status = lifecycle.status(rules, row.type, row.status)
    return {"explication": status.citizen or "", "mairie": rules.town.name,
            "reference": grouped(row.reference),
            "type": lifecycle.request_type(rules, row.type).label,
            "statut": status.label,
            "echeance": spoken_date(row.due_at.astimezone(zone).date()), "note": note or ""}


def queue_to_citizen(session: Session, rules: Rules, citizen_id: int, template_id: str,
                     values: dict[str, Any], now: datetime, *, purpose: str,
                     request_id: int | None = None, alert: bool = False,
                     dedupe_key: str | None = None) -> bool:
    """Queue ``template_id`` on the citizen's first allowed channel (others as fallbacks)."""
    order = order_for(session, citizen_id, purpose)
    if not order:
        return False
    return queue_rendered(session, rules, citizen_id, order, render(template(
        session, template_id), values), now, purpose=purpose, template_id=template_id,
        request_id=request_id, alert=alert, dedupe_key=dedupe_key)


def queue_rendered(session: Session, rules: Rules, citizen_id: int, order: list[tuple[str, str]],
                   texts: Rendered, now: datetime, *, purpose: str, template_id: str,
                   request_id: int | None = None, alert: bool = False,
                   dedupe_key: str | None = None) -> bool:
    """Queue ready texts on the first channel of ``order``, the others as fallbacks."""
    versions: list[dict[str, Any]] = [{"channel": channel, "recipient": recipient,
                 "subject": texts.subject if channel == "email" else None,
                 "body": texts.sms if channel == "sms" else texts.email}
                for channel, recipient in order]
    first, *rest = versions
    quiet = policy.QuietHours(zone=rules.town.timezone)
    outbox.enqueue(session, channel=first["channel"], recipient=first["recipient"],
                   body=first["body"], subject=first["subject"], purpose=purpose,
                   template=template_id, citizen_id=citizen_id, request_id=request_id,
                   alert=alert, now=now, not_before=quiet.next_allowed(now, alert=alert),
                   dedupe_key=dedupe_key, alternates=rest or None)
    return True


def notify_request(session: Session, rules: Rules, row: Request, template_id: str,
                   now: datetime, note: str | None = None) -> bool:
    """Queue the notification of a request event when its citizen agreed to it."""
    if row.citizen_id is None:
        return False
    appointment = session.scalar(select(Appointment).where(Appointment.request_id == row.id))
    if appointment is not None:  # an appointment's own words; only its cancellation is news
        return row.status == "annule" and notify_appointment(
            session, rules, appointment, "rdv_annule", now)
    return queue_to_citizen(session, rules, row.citizen_id, template_id,
                            request_values(rules, row, note), now,
                            purpose=policy.NOTIFICATIONS, request_id=row.id)


def appointment_values(rules: Rules, row: Appointment) -> dict[str, Any]:
    """The variables of the appointment templates (``rendez_vous`` in plain French)."""
    return {**request_values(rules, row.request), "rendez_vous": spoken_slot(row.start, rules)}


def notify_appointment(session: Session, rules: Rules, row: Appointment, template_id: str,
                       now: datetime, dedupe_key: str | None = None) -> bool:
    """Queue ``rdv_pris``, ``rdv_rappel`` or ``rdv_annule`` to the appointment's citizen."""
    citizen = row.request.citizen_id
    if citizen is None:
        return False
    return queue_to_citizen(session, rules, citizen, template_id, appointment_values(rules, row),
                            now, purpose=policy.NOTIFICATIONS, request_id=row.request_id,
                            dedupe_key=dedupe_key)


def callback_phrase(due_at: datetime | None, now: datetime, zone: ZoneInfo) -> str:
    """« dans les prochaines minutes » or « à partir du mardi 8 décembre à 9 heures »."""
    if due_at is None or due_at <= now + SOON:
        return "dans les prochaines minutes"
    local = due_at.astimezone(zone)
    return f"à partir du {spoken_date(local.date())} à {spoken_time(local.time())}"


def _queued(session: Session, keys: list[str]) -> set[str]:
    if not keys:
        return set()
    return {k for k in session.scalars(select(Message.dedupe_key)
                                       .where(Message.dedupe_key.in_(keys))) if k}


def queue_reminders(session: Session, rules: Rules, now: datetime) -> int:
    """Queue the appointment reminders due at ``now`` (two days before, 9:00)."""
    rows = list(session.scalars(
        select(Appointment).join(Request, Request.id == Appointment.request_id).where(
            Appointment.start > now, Appointment.start < now + reminders.LOOKAHEAD,
            Request.status == "reserve")))
    keys = {f"rdv_rappel:{r.id}:{r.start.isoformat()}": r for r in rows}  # a moved one anew
    done = _queued(session, list(keys))
    due = reminders.due([_Booked(k, r.start, r.request.status) for k, r in keys.items()],
                        now, rules.town.zone, frozenset(done))
    return sum(once(session, lambda key=b.reference: notify_appointment(
        session, rules, keys[key], "rdv_rappel", now, dedupe_key=key)) for b in due)


def queue_callback_notices(session: Session, rules: Rules, now: datetime) -> int:
    """Queue « un agent vous rappellera … » for callbacks promised or moved since."""
    rows = list(session.scalars(select(Callback).where(Callback.state == "pending")
                                .order_by(Callback.id).limit(500)))
    keys = {f"rappel_programme:{r.id}:{r.due_at.isoformat() if r.due_at else ''}": r
            for r in rows}
    queued = 0
    for key in set(keys) - _queued(session, list(keys)):
        row = keys[key]
        values = {"mairie": rules.town.name,
                  "rappel": callback_phrase(row.due_at, now, rules.town.zone)}
        for citizen in sorted(citizen_ids(session, phone=row.number)):  # one message
            if once(session, lambda c=citizen, k=key, v=values: queue_to_citizen(
                    session, rules, c, "rappel_programme", v, now,
                    purpose=policy.NOTIFICATIONS, dedupe_key=k)):
                queued += 1
                break
    return queued


def once(session: Session, queue: Any) -> int:
    """Run ``queue`` in a savepoint: another sender may have queued the same key."""
    try:
        with session.begin_nested():
            return int(bool(queue()))
    except IntegrityError:
        return 0


@dataclass(frozen=True)
class _Booked:
    """What ``reminders.due`` reads of an appointment (its key as the reference)."""

    reference: str
    start: datetime
    status: str


def send_procedure_link(store: Store, query: SendProcedureLink) -> bool:
    """Answer of the procedure dialogue: queue the link by SMS to the calling number at
    once (the caller just asked for it; a direct message, night or not)."""
    with store.session() as session:
        texts = render(template(session, "lien_demarche"),
                       {"mairie": query.town, "lien": query.link})
        owners = sorted(citizen_ids(session, phone=query.number))
        outbox.enqueue(session, channel="sms", recipient=query.number, body=texts.sms,
                       purpose="direct", template="lien_demarche", now=query.at,
                       citizen_id=owners[0] if owners else None,
                       dedupe_key=f"lien_demarche:{query.call_id}:{query.topic}"[:128])
    return True
