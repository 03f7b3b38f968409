"""Secret, revocable addresses of the calendars' iCalendar feeds.

A calendar app cannot send a bearer token: the feed's address carries a long random
secret instead. Only its SHA-256 is stored; making a new address revokes the old
ones of that calendar, and ``revoke`` stops them all.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ivr.store.db import Store
from ivr.store.models import CalendarFeed

Audit = Callable[[Session], None] | None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _revoke(session: Session, calendar: str, at: datetime) -> int:
    result = session.execute(update(CalendarFeed)
                             .where(CalendarFeed.calendar == calendar,
                                    CalendarFeed.revoked_at.is_(None))
                             .values(revoked_at=at))
    return int(getattr(result, "rowcount", 0) or 0)


def revoke(store: Store, calendar: str, at: datetime, audit: Audit = None) -> int:
    """Revoke every address of ``calendar``; how many were live. ``audit(session)``
    writes the admin's audit line in the same transaction."""
    with store.session() as session:
        count = _revoke(session, calendar, at)
        if audit:
            audit(session)
        return count


def new_feed(store: Store, calendar: str, at: datetime, audit: Audit = None) -> str:
    """A new secret for ``calendar``'s feed (shown once), the previous ones revoked in
    the same transaction."""
    token = secrets.token_urlsafe(32)
    with store.session() as session:
        _revoke(session, calendar, at)
        session.add(CalendarFeed(calendar=calendar, token_hash=_hash(token), created_at=at))
        if audit:
            audit(session)
    return token


def live_since(store: Store, calendar: str) -> datetime | None:
    """When the live address of ``calendar``'s feed was made (None: there is none)."""
    with store.session() as session:
        return session.scalar(select(func.max(CalendarFeed.created_at))
                              .where(CalendarFeed.calendar == calendar,
                                     CalendarFeed.revoked_at.is_(None)))


def calendar_of(store: Store, token: str) -> str | None:
    """The calendar whose live feed address carries ``token``, or None."""
    with store.session() as session:
        return session.scalar(select(CalendarFeed.calendar)
                              .where(CalendarFeed.token_hash == _hash(token),
                                     CalendarFeed.revoked_at.is_(None)))
