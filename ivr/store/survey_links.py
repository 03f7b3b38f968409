"""Survey links sent by SMS after a call, and their answers from the public page.

A call whose caller chose « par SMS » at the start (contact event ``survey_by_sms``)
and that ended answered by an agent or by the IVR itself gets one link: the survey row
is created with a fresh secret ``token`` and no scores (counted as offered), and the
SMS is queued in the same transaction. A number surveyed within the week gets none.
The page fills the scores once; a link answered, expired or unknown is refused.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from ivr.domain.outcomes import ContactOutcome
from ivr.marianne.survey_link import (
    VALID_FOR,
    LinkAnswers,
    LinkRefused,
    survey_sms,
    survey_url,
)
from ivr.messages.policy import QuietHours
from ivr.requests.errors import InvalidInput
from ivr.store import messages as outbox
from ivr.store.citizens import normalise_phone
from ivr.store.db import Store
from ivr.store.marianne import SURVEY_INTERVAL
from ivr.store.models import Contact, ContactEvent, Survey

ENDS = (ContactOutcome.ANSWERED, ContactOutcome.SELF_SERVICE, ContactOutcome.APPOINTMENT)
LOOK_BACK = timedelta(days=2)  # calls older than this get no link (a job stopped a while)
PURPOSE = "enquete"


def _due(session: Session, now: datetime) -> list[Contact]:
    """Calls over, with the SMS chosen, and no survey yet."""
    chose = exists().where(ContactEvent.contact_id == Contact.id,
                           ContactEvent.kind == "survey_by_sms")
    surveyed = exists().where(Survey.contact_id == Contact.id)
    return list(session.scalars(select(Contact).where(
        chose, ~surveyed, Contact.ended_at.is_not(None), Contact.caller.is_not(None),
        Contact.outcome.in_([str(end) for end in ENDS]),
        Contact.started_at >= now - LOOK_BACK)))


def _recently(session: Session, caller: str, now: datetime) -> bool:
    return session.scalar(select(exists().where(
        Survey.caller == caller, Survey.at > now - SURVEY_INTERVAL))) or False


def send_links(store: Store, *, public_url: str, town: str, zone: str,
               now: datetime) -> list[int]:
    """Queue one survey link per call due; the contacts sent one."""
    sent: list[int] = []
    quiet = QuietHours(zone=zone)
    with store.session() as session:
        for contact in _due(session, now):
            caller = contact.caller or ""
            try:
                number = normalise_phone(caller)
            except InvalidInput:
                continue  # no number to text: the call stays without survey
            if _recently(session, caller, now):
                continue
            token = secrets.token_urlsafe(24)
            session.add(Survey(at=now, caller=caller, contact_id=contact.id, token=token,
                               channel="web", department=contact.target, agent=contact.agent))
            outbox.enqueue(session, channel="sms", recipient=number, purpose=PURPOSE,
                           body=survey_sms(town, survey_url(public_url, token)), now=now,
                           not_before=quiet.next_allowed(now))
            sent.append(contact.id)
    return sent


def open_link(store: Store, token: str, now: datetime) -> Survey:
    """The survey of a link still to answer, or a French refusal."""
    with store.session() as session:
        row = session.scalars(select(Survey).where(Survey.token == token)).first()
        if row is None or not token:
            raise LinkRefused("Ce lien d'enquête n'existe pas.", 404)
        if row.satisfaction is not None:
            raise LinkRefused("Vous avez déjà répondu : merci pour votre avis.", 409)
        if now - row.at > VALID_FOR:
            raise LinkRefused("Ce lien d'enquête a expiré.", 410)
        session.expunge(row)
        return row


def answer_link(store: Store, token: str, answers: LinkAnswers, now: datetime) -> None:
    """Keep the page's answers on the survey of the link (once)."""
    open_link(store, token, now)
    with store.session() as session:
        row = session.scalars(select(Survey).where(Survey.token == token)).one()
        row.satisfaction, row.got_answer = answers.satisfaction, answers.got_answer
