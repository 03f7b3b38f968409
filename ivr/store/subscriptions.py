"""Information lists and subscriptions: consents of purpose ``liste:<name>``.

Subscribing or unsubscribing appends a consent row (when, channel, wording, actor),
so the consent register is the proof; a list's subscribers are the citizens whose
latest row for it grants it. ``consent_register`` is the export a GDPR access request
gets: every row, given and withdrawn, oldest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ivr.flow.subscriptions import ListState, SetSubscription, SubscriptionLists
from ivr.messages.policy import list_purpose
from ivr.requests.errors import InvalidInput
from ivr.store.citizens import CitizenView, citizen_ids, ensure_citizen, record_consent
from ivr.store.db import Store
from ivr.store.models import Consent, MessageList


@dataclass(frozen=True)
class ListView:
    name: str
    label: str
    description: str | None
    subscribers: int


def _subscribers(session: Session, purpose: str) -> list[int]:
    latest = (select(Consent.citizen_id, func.max(Consent.id).label("last"))
              .where(Consent.purpose == purpose).group_by(Consent.citizen_id).subquery())
    return list(session.scalars(select(Consent.citizen_id).join(
        latest, Consent.id == latest.c.last).where(Consent.granted.is_(True))
        .order_by(Consent.citizen_id)))


def lists(store: Store) -> list[ListView]:
    """Every list with its subscriber count (latest consent row per citizen)."""
    with store.session() as session:
        return [ListView(row.name, row.label, row.description,
                         len(_subscribers(session, list_purpose(row.name))))
                for row in session.scalars(select(MessageList).order_by(MessageList.name))]


def subscribers(store: Store, name: str) -> list[int]:
    """Ids of the citizens subscribed to list ``name``."""
    with store.session() as session:
        _known(session, name)
        return _subscribers(session, list_purpose(name))


def subscribed_in(session: Session, name: str) -> list[int]:
    """Ids of the citizens subscribed to list ``name``, in the caller's transaction."""
    return _subscribers(session, list_purpose(name))


def _known(session: Session, name: str) -> MessageList:
    row = session.get(MessageList, name)
    if row is None:
        known = ", ".join(session.scalars(select(MessageList.name).order_by(MessageList.name)))
        raise InvalidInput(f"Liste inconnue : « {name} » (listes : {known}).")
    return row


def set_subscription(store: Store, citizen_id: int, name: str, *, subscribed: bool,
                     at: datetime, channel: str, wording: str,
                     actor: str | None = None) -> CitizenView:
    """Subscribe to or unsubscribe from list ``name``, the wording agreed to as proof."""
    with store.session() as session:
        _known(session, name)
    return record_consent(store, citizen_id, purpose=list_purpose(name), granted=subscribed,
                          at=at, channel=channel, wording=wording, actor=actor)


def consent_register(store: Store, citizen_id: int) -> list[dict[str, Any]]:
    """Every consent row of the citizen, oldest first (GDPR access export)."""
    with store.session() as session:
        rows = session.scalars(select(Consent).where(Consent.citizen_id == citizen_id)
                               .order_by(Consent.at, Consent.id))
        return [{"purpose": r.purpose, "granted": r.granted, "at": r.at.isoformat(),
                 "channel": r.channel, "wording": r.wording, "actor": r.actor} for r in rows]


def phone_lists(store: Store, query: SubscriptionLists) -> tuple[ListState, ...]:
    """Answer of the phone dialogue: every list and whether the number is subscribed."""
    with store.session() as session:
        owners = citizen_ids(session, phone=query.number)
        rows = list(session.scalars(select(MessageList).order_by(MessageList.name)))
        return tuple(ListState(row.name, row.label, any(
            owner in _subscribers(session, list_purpose(row.name)) for owner in owners))
            for row in rows)


def phone_subscription(store: Store, query: SetSubscription) -> bool:
    """Answer of the phone dialogue: record the change, the key pressed as proof."""
    citizen = ensure_citizen(store, phones=[query.number])
    wording = f"{query.wording} [touche {query.key}, appel {query.call_id}]"
    set_subscription(store, citizen.id, query.name, subscribed=query.subscribed, at=query.at,
                     channel="phone", wording=wording, actor="ivr")
    return True
