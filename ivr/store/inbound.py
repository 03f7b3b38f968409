"""Incoming SMS and e-mail: each becomes an inbound contact, then what it asks is done.

« STOP » (or « ARRET ») withdraws every list subscription of the sending number, with
the SMS as proof, and a confirmation is queued; « ABONNER BULLETIN » subscribes it to
that list the same way (an unknown list name is read as any other text); a text quoting
a reference becomes a
contact of that request; anything else opens a « demande d'information » for the
accueil's worklist — or, for an e-mail to the complaints address or titled so, a
complaint or suggestion with its Marianne deadlines (``ivr.messages.incoming``). A text
that cannot be read is still kept (flagged), never dropped.
"""

from __future__ import annotations

import hashlib
import logging
import random
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ivr.messages import policy
from ivr.messages.incoming import Intent, find_reference, mail_request_type, parse_sms
from ivr.messages.mail import Bounce, IncomingMail
from ivr.messages.templates import render
from ivr.requests.errors import InvalidInput
from ivr.rules import Rules
from ivr.store import messages as outbox
from ivr.store.attachments import add_attachment
from ivr.store.citizens import ensure_citizen_in
from ivr.store.db import Store
from ivr.store.models import (
    Consent,
    Contact,
    ContactEvent,
    Message,
    MessageList,
    Request,
)
from ivr.store.notifications import template
from ivr.store.requests import insert_request, request_values

INFO_TYPE = "demande-information"
log = logging.getLogger(__name__)
_RANDOM = random.SystemRandom()
STOP_WORDING = "Désinscription par SMS « {text} » envoyé depuis ce numéro."
SUBSCRIBE_WORDING = "Abonnement par SMS « {text} » envoyé depuis ce numéro."


@dataclass(frozen=True)
class Received:
    """What became of an incoming message."""

    contact_id: int
    intent: str  # stop, reference, other, malformed; reclamation, suggestion, bounce (e-mail)
    reference: str | None
    unsubscribed: tuple[str, ...] = ()


def _contact(session: Session, channel: str, sender: str | None, to: str | None,
             subject: str | None, body: str, at: datetime, outcome: str) -> Contact:
    contact = Contact(ref=f"{channel}-in:{uuid.uuid4().hex}", channel=channel,
                      direction="inbound", started_at=at, ended_at=at, caller=sender,
                      called=to, subject=subject, body=body, outcome=outcome)
    session.add(contact)
    session.flush()
    return contact


def unsubscribe_all(session: Session, citizen_id: int, at: datetime, channel: str,
                    wording: str) -> tuple[str, ...]:
    """Withdraw every list subscription in force; returns the lists' labels."""
    labels = []
    for item in session.scalars(select(MessageList).order_by(MessageList.name)):
        purpose = policy.list_purpose(item.name)
        latest = session.scalar(select(Consent.granted).where(
            Consent.citizen_id == citizen_id, Consent.purpose == purpose)
            .order_by(Consent.at.desc(), Consent.id.desc()).limit(1))
        if latest:
            session.add(Consent(citizen_id=citizen_id, purpose=purpose, granted=False, at=at,
                                channel=channel, wording=wording, actor="usager"))
            labels.append(item.label)
    return tuple(labels)


def open_info_request(session: Session, rules: Rules, contact: Contact, citizen_id: int | None,
                      channel: str, at: datetime, subject: str,
                      type_id: str = INFO_TYPE) -> Request:
    """A « demande d'information » for the accueil (or a request of ``type_id``), with
    the message as its first contact."""
    values = request_values(rules, type_id=type_id, at=at, channel=channel,
                            subject=subject[:255], description=contact.body)
    row = insert_request(session, values, owner=citizen_id, actor=channel, rng=_RANDOM)
    contact.request_id = row.id
    return row


def _linked(session: Session, contact: Contact, reference: str | None) -> str | None:
    if reference is None:
        return None
    request_id = session.scalar(select(Request.id).where(Request.reference == reference))
    if request_id is None:
        return None
    contact.request_id = request_id
    return reference


def receive_sms(store: Store, rules: Rules, *, sender: str, text: str, at: datetime,
                to: str | None = None) -> Received:
    """Record an incoming SMS and act on it (see the module docstring)."""
    readable = printable(text)
    parsed = parse_sms(readable)
    with store.session() as session:
        contact = _contact(session, "sms", sender, to, None, parsed.text, at, "received")
        if readable != text:  # control characters, NUL bytes: kept cleaned, flagged
            contact.outcome = "malformed"
            return Received(contact.id, "malformed", None)
        try:
            citizen = ensure_citizen_in(session, phones=[sender])
        except InvalidInput:  # an unreadable sender number: keep the text, flag it
            contact.outcome = "malformed"
            return Received(contact.id, "malformed", None)
        if parsed.intent is Intent.STOP:
            lists = unsubscribe_all(session, citizen.id, at, "sms",
                                    STOP_WORDING.format(text=parsed.text))
            if lists:
                _confirm_by_sms(session, rules, citizen.id, sender, lists, at)
            return Received(contact.id, "stop", None, lists)
        if parsed.intent is Intent.SUBSCRIBE and (
                item := _list_named(session, parsed.keyword or "")) is not None:
            session.add(Consent(citizen_id=citizen.id, purpose=policy.list_purpose(item.name),
                                granted=True, at=at, channel="sms", actor="usager",
                                wording=SUBSCRIBE_WORDING.format(text=parsed.text)))
            _confirm_by_sms(session, rules, citizen.id, sender, (item.label,), at,
                            "abonnement")
            return Received(contact.id, "subscribe", None)
        linked = _linked(session, contact, parsed.reference)
        if linked is not None:
            return Received(contact.id, "reference", linked)
        request = open_info_request(session, rules, contact, citizen.id, "sms", at,
                                    f"SMS de {sender}")
        return Received(contact.id, "other", request.reference)


def _list_named(session: Session, keyword: str) -> MessageList | None:
    """The list an SMS keyword names (« action-sociale » or « actionsociale »)."""
    wanted = keyword.replace("-", "")
    return next((item for item in session.scalars(select(MessageList))
                 if item.name.replace("-", "") == wanted), None)


def _confirm_by_sms(session: Session, rules: Rules, citizen_id: int, sender: str,
                    lists: tuple[str, ...], at: datetime,
                    template_id: str = "desinscription") -> None:
    """The STOP (or keyword) confirmation goes back by SMS even without a notifications
    consent."""
    texts = render(template(session, template_id),
                   {"mairie": rules.town.name, "listes": ", ".join(lists),
                    "liste": ", ".join(lists)})
    outbox.enqueue(session, channel="sms", recipient=sender, body=texts.sms,
                   purpose="confirmation", template=template_id, citizen_id=citizen_id,
                   now=at)


def receive_email(store: Store, rules: Rules, mail: IncomingMail, *, at: datetime,
                  area: Path) -> Received:
    """Record an incoming e-mail: a contact of the request it quotes, else a new request.

    Received twice (the reader stopped before marking it read), it is recorded once:
    its contact is keyed by its Message-ID. Its files go to the request's attachments.
    """
    key = hashlib.sha256((mail.message_id or f"{mail.sender}|{mail.subject}|{mail.text}")
                         .encode("utf-8", "replace")).hexdigest()[:40]
    if mail.bounce is not None and (bounced := _bounced(store, mail.bounce, at)) is not None:
        return bounced
    with store.session() as session:
        known = session.scalar(select(Contact).where(Contact.ref == f"email-in:{key}"))
        if known is not None:
            return Received(known.id, "duplicate", None)
        contact = _contact(session, "email", mail.sender, None, printable(mail.subject)[:255],
                           printable(mail.text), at, "received")
        contact.ref = f"email-in:{key}"
        reference = _linked(session, contact, quoted_reference(mail.subject, mail.text))
        intent = "reference" if reference else "other"
        if reference is None:
            kind = mail_request_type(mail.recipients, mail.subject)
            intent = kind if kind in rules.request_types else "other"
            citizen = _email_owner(session, mail.sender)
            reference = open_info_request(
                session, rules, contact, citizen, "email", at,
                mail.subject or f"Courriel de {mail.sender}",
                type_id=intent if intent != "other" else INFO_TYPE).reference
        if mail.problems:
            contact.outcome = "malformed"
            session.add(ContactEvent(contact_id=contact.id, seq=1, at=at, kind="malformed",
                                     data={"problems": list(mail.problems)}))
    for item in mail.files:
        try:
            add_attachment(store, area, reference, filename=item.filename, data=item.data,
                           at=at, actor=mail.sender, mime=item.mime)
        except InvalidInput as exc:
            log.warning("attachment refused", extra={"contact": contact.id, "why": exc.message})
    return Received(contact.id, "malformed" if mail.problems else intent, reference)


def _bounced(store: Store, bounce: Bounce, at: datetime) -> Received | None:
    """A relay's failure notice for one of our mails: that message fails with the
    reason and the citizen's next channel is tried; None when it names no mail of ours
    (then it is kept like any mail). Read twice, it fails the message once."""
    local = (bounce.original_id or "").strip("<>").partition("@")[0]
    attempt = local.replace(".", ":", 1)  # the SMTP adapter's Message-ID of an attempt
    reason = f"rebond : {bounce.status} {bounce.diagnostic}".strip()
    with store.session() as session:
        row = session.scalar(select(Message).where(Message.channel == "email",
                                                   Message.attempt_id == attempt))
        if row is None:
            return None
        try:
            outbox.fail(session, row.id, reason[:500], at)
        except outbox.TransitionRefused:
            log.info("bounce already applied", extra={"outbox_id": row.id})
        return Received(row.contact_id or 0, "bounce", None)


def _email_owner(session: Session, sender: str | None) -> int | None:
    if not sender:
        return None
    try:
        return ensure_citizen_in(session, emails=[sender]).id
    except InvalidInput:
        return None


def printable(text: str) -> str:
    """``text`` without control characters (PostgreSQL refuses NUL bytes in text)."""
    return "".join(c for c in text if c.isprintable() or c in "\n\t")


def quoted_reference(subject: str, body: str) -> str | None:
    """The reference an e-mail quotes, in its subject first."""
    return find_reference(subject) or find_reference(body)

