"""Subscriptions asked on the town's web site: double opt-in before any consent is kept.

``ask`` records the request and queues a confirmation — a link by e-mail, a six-digit
code by SMS — and nothing else: no citizen, no consent. Only ``confirm_link`` or
``confirm_code`` record the consent (channel ``web``), with the wording the citizen
saw and how and when it was confirmed as its proof. Only hashes of the link's token
and of the code are kept; a code is tried at most ``MAX_FAILURES`` times, a request
lives ``VALID_FOR``, and an address asks at most ``MAX_PER_DAY`` times a day (the
API could otherwise be used to send SMS to anyone). The confirmation leaves at once,
night included: it answers what the citizen has just done.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ivr.messages.templates import render
from ivr.requests.errors import InvalidInput, RequestError
from ivr.rules import Rules
from ivr.store import messages as outbox
from ivr.store.citizens import ensure_citizen, normalise_email, normalise_phone
from ivr.store.db import Store
from ivr.store.models import SubscriptionRequest
from ivr.store.notifications import template
from ivr.store.subscriptions import known_list, set_subscription

VALID_FOR = timedelta(hours=24)
MAX_FAILURES = 5
MAX_PER_DAY = 3


class TooManyRequests(RequestError):
    """This address asked too often today (429)."""


class NotConfirmable(RequestError):
    """Unknown, expired, already used or too many wrong codes (404)."""


@dataclass(frozen=True)
class Asked:
    channel: Literal["sms", "email"]
    expires_at: datetime


@dataclass(frozen=True)
class Confirmed:
    list_name: str
    citizen_id: int


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _address(phone: str | None, email: str | None) -> tuple[Literal["sms", "email"], str]:
    if bool(phone) == bool(email):
        raise InvalidInput("Indiquez soit un numéro de téléphone, soit une adresse électronique.")
    if phone:
        return "sms", normalise_phone(phone)
    return "email", normalise_email(email or "")


def ask(store: Store, rules: Rules, *, list_name: str, wording: str, now: datetime,
        confirm_url: str, phone: str | None = None, email: str | None = None) -> Asked:
    """Record a subscription request and queue its confirmation (link or code)."""
    channel, address = _address(phone, email)
    if not wording.strip() or len(wording) > 2000:
        raise InvalidInput("Le texte accepté (« wording ») est obligatoire, "
                           "2000 caractères au plus.")
    token, code = secrets.token_urlsafe(24), f"{secrets.randbelow(10**6):06d}"
    with store.session() as session:
        label = known_list(session, list_name).label
        _limit(session, address, now)
        secret = _hash(token)
        session.add(SubscriptionRequest(
            secret_hash=secret, code_hash=_hash(f"{secret}:{code}") if channel == "sms" else None,
            channel=channel, address=address, list_name=list_name, wording=wording.strip(),
            created_at=now, expires_at=now + VALID_FOR, failures=0))
        texts = render(template(session, "confirmation_abonnement"), {
            "mairie": rules.town.name, "liste": label, "code": code,
            "lien": f"{confirm_url}?jeton={token}"})
        outbox.enqueue(session, channel=channel, recipient=address, purpose="confirmation",
                       template="confirmation_abonnement", now=now,
                       subject=texts.subject if channel == "email" else None,
                       body=texts.sms if channel == "sms" else texts.email)
    return Asked(channel, now + VALID_FOR)


def _limit(session: Session, address: str, now: datetime) -> None:
    recent = session.scalar(select(func.count()).select_from(SubscriptionRequest).where(
        SubscriptionRequest.address == address,
        SubscriptionRequest.created_at > now - timedelta(days=1))) or 0
    if recent >= MAX_PER_DAY:
        raise TooManyRequests("Trop de demandes d'abonnement pour cette adresse aujourd'hui ; "
                              "réessayez demain.")


def _usable(row: SubscriptionRequest | None, now: datetime) -> SubscriptionRequest:
    if row is None or row.confirmed_at is not None or row.expires_at <= now \
            or row.failures >= MAX_FAILURES:
        raise NotConfirmable("Lien ou code inconnu, expiré ou déjà utilisé.")
    return row


def confirm_link(store: Store, token: str, now: datetime) -> Confirmed:
    """The e-mail link was opened: the consent is recorded with that proof."""
    with store.session() as session:
        row = _usable(session.scalar(select(SubscriptionRequest).where(
            SubscriptionRequest.secret_hash == _hash(token))), now)
        row.confirmed_at = now
        found = (row.channel, row.address, row.list_name, row.wording, row.created_at)
    return _subscribe(store, *found, now, "lien reçu par courriel")


def confirm_code(store: Store, phone: str, code: str, now: datetime) -> Confirmed:
    """The code received by SMS was keyed on the web form: the consent is recorded."""
    address = normalise_phone(phone)
    with store.session() as session:
        rows = list(session.scalars(select(SubscriptionRequest).where(
            SubscriptionRequest.address == address, SubscriptionRequest.channel == "sms",
            SubscriptionRequest.confirmed_at.is_(None), SubscriptionRequest.expires_at > now,
            SubscriptionRequest.failures < MAX_FAILURES)
            .order_by(SubscriptionRequest.id.desc())))
        match = next((r for r in rows if r.code_hash and hmac.compare_digest(
            r.code_hash, _hash(f"{r.secret_hash}:{code.strip()}"))), None)
        if match is None:
            for row in rows:
                row.failures += 1  # a wrong code counts against every open request
        else:
            match.confirmed_at = now
            found = (match.channel, match.address, match.list_name, match.wording,
                     match.created_at)
    if match is None:  # committed above: the failures count
        raise NotConfirmable("Code inconnu, expiré ou déjà utilisé.")
    return _subscribe(store, *found, now, "code reçu par SMS")


def _subscribe(store: Store, channel: str, address: str, list_name: str, wording: str,
               asked_at: datetime, now: datetime, how: str) -> Confirmed:
    citizen = ensure_citizen(store, phones=[address] if channel == "sms" else [],
                             emails=[address] if channel == "email" else [])
    proof = (f"{wording} [demandé sur le site le {asked_at.isoformat()}, confirmé par {how} "
             f"envoyé à {address} le {now.isoformat()}]")
    set_subscription(store, citizen.id, list_name, subscribed=True, at=now, channel="web",
                     wording=proof, actor="api")
    return Confirmed(list_name, citizen.id)
