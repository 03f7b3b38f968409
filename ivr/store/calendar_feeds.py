"""Secret, revocable addresses of the calendars' iCalendar feeds.

A calendar app cannot send a bearer token: the feed's address carries a long random
secret instead. Only its SHA-256 is stored; making a new address revokes the old
ones of that calendar, and ``revoke`` stops them all.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select, update

from ivr.store.db import Store
from ivr.store.models import CalendarFeed


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def revoke(store: Store, calendar: str, at: datetime) -> int:
    """Revoke every address of ``calendar``; how many were live."""
    with store.session() as session:
        result = session.execute(update(CalendarFeed)
                                 .where(CalendarFeed.calendar == calendar,
                                        CalendarFeed.revoked_at.is_(None))
                                 .values(revoked_at=at))
        return int(getattr(result, "rowcount", 0) or 0)


def new_feed(store: Store, calendar: str, at: datetime) -> str:
    """A new secret for ``calendar``'s feed (printed once), the previous ones revoked."""
    revoke(store, calendar, at)
    token = secrets.token_urlsafe(32)
    with store.session() as session:
        session.add(CalendarFeed(calendar=calendar, token_hash=_hash(token), created_at=at))
    return token


def calendar_of(store: Store, token: str) -> str | None:
    """The calendar whose live feed address carries ``token``, or None."""
    with store.session() as session:
        return session.scalar(select(CalendarFeed.calendar)
                              .where(CalendarFeed.token_hash == _hash(token),
                                     CalendarFeed.revoked_at.is_(None)))
