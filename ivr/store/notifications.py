"""Notifications of a request's events, queued in the transaction that makes the change.

``notify_request`` is called by ``ivr.store.requests`` with the session that creates
the request or changes its status, so the message row commits (or rolls back) with
the change: nothing is lost between the change and the message. It queues nothing
when the citizen has not agreed to notifications or has no number or address.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ivr.domain.hours import spoken_date
from ivr.messages import policy
from ivr.messages.templates import DEFAULTS, Template, render
from ivr.requests import lifecycle
from ivr.requests.reference import grouped
from ivr.rules import Rules
from ivr.store import messages as outbox
from ivr.store.models import (
    CitizenContactPoint,
    Consent,
    MessagePreference,
    MessageTemplate,
    Request,
)


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
    texts = render(template(session, template_id), values)
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
    return queue_to_citizen(session, rules, row.citizen_id, template_id,
                            request_values(rules, row, note), now,
                            purpose=policy.NOTIFICATIONS, request_id=row.id)
