"""One timeline per request: its history lines and its contacts (calls, visits, e-mails).

Agents read a request as one story; the history lives in ``request_events`` and the
contacts in ``contacts`` (linked by ``contacts.request_id``), so this query merges both,
oldest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from ivr.store.db import Store
from ivr.store.models import Contact
from ivr.store.request_views import RequestView


@dataclass(frozen=True)
class TimelineEntry:
    """A history line (``kind`` created/status/assigned) or a contact (``kind`` contact)."""

    at: datetime
    kind: str
    actor: str | None = None
    from_status: str | None = None
    to_status: str | None = None
    note: str | None = None
    contact_id: int | None = None
    channel: str | None = None
    direction: str | None = None
    outcome: str | None = None


def timeline(store: Store, view: RequestView) -> list[TimelineEntry]:
    """The events of ``view`` (as read by ``get_request``) and its contacts, by time."""
    entries = [TimelineEntry(e.at, e.kind, e.actor, e.from_status, e.to_status, e.note)
               for e in view.events]
    if view.contact_ids:
        query = select(Contact.id, Contact.started_at, Contact.channel, Contact.direction,
                       Contact.outcome, Contact.subject).where(Contact.id.in_(view.contact_ids))
        with store.session() as session:
            entries += [TimelineEntry(at, "contact", None, None, None, subject, cid, channel,
                                      direction, outcome)
                        for cid, at, channel, direction, outcome, subject in session.execute(query)]
    return sorted(entries, key=lambda e: (_utc(e.at), e.kind != "created"))


def _utc(at: datetime) -> float:
    """Sort key valid for naive (SQLite, UTC) and aware date-times alike."""
    return at.timestamp() if at.tzinfo else at.replace(tzinfo=UTC).timestamp()


