"""Frozen views of requests returned by the store (never ORM objects), JSON-ready."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ivr.requests.address import PostalAddress
from ivr.requests.reference import grouped
from ivr.store.citizens import address_of
from ivr.store.models import Contact, Request


@dataclass(frozen=True)
class EventView:
    """One line of a request's history."""

    at: datetime
    actor: str
    kind: str  # created | status | assigned | note | acknowledged | escalated | answered
    from_status: str | None
    to_status: str
    note: str | None


@dataclass(frozen=True)
class AttachmentView:
    """A file of a request; ``path`` is relative to ``settings.attachments_dir``."""

    id: int
    filename: str
    path: str
    size: int
    sha256: str
    mime: str
    at: datetime
    actor: str | None


@dataclass(frozen=True)
class RequestView:
    """A request as shown to agents; ``events`` etc. are filled by ``get_request`` only."""

    id: int
    reference: str
    type: str
    citizen_id: int | None
    citizen_name: str | None
    channel: str
    department: str
    agent: str | None
    status: str
    subject: str | None
    description: str | None
    created_at: datetime
    due_at: datetime
    clock_stopped_at: datetime | None
    closed_at: datetime | None
    version: int
    acknowledge_due_at: datetime | None = None
    acknowledged_at: datetime | None = None
    escalated_at: datetime | None = None  # flagged to the superviseur once late
    answer: str | None = None  # the answer sent to the citizen (complaints, suggestions)
    adopted: bool | None = None
    delivery: str | None = None  # courrier | courriel: how its document leaves
    citizen_address: PostalAddress | None = None  # read for full views and posted ones
    events: tuple[EventView, ...] = ()
    attachments: tuple[AttachmentView, ...] = ()
    contact_ids: tuple[int, ...] = ()

    @property
    def display_reference(self) -> str:
        """« 12 34 56 78 90 »."""
        return grouped(self.reference)

    @property
    def address_to_complete(self) -> bool:
        """To be posted, but the citizen has no postal address on file (« adresse à
        compléter »: the address said on the phone is in the attachments)."""
        return self.delivery == "courrier" and self.citizen_address is None

    def is_late(self, now: datetime) -> bool:
        """Open, not waiting for the citizen, and past its due date."""
        return self.closed_at is None and self.clock_stopped_at is None and self.due_at < now

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (ISO date-times)."""
        return jsonable({
            **{k: getattr(self, k) for k in self.__dataclass_fields__
               if k not in ("events", "attachments", "citizen_address")},
            "citizen_address": self.citizen_address.to_dict() if self.citizen_address else None,
            "address_to_complete": self.address_to_complete,
            "events": [e.__dict__ for e in self.events],
            "attachments": [a.__dict__ for a in self.attachments],
        })


def jsonable(value: Any) -> Any:
    """``value`` with dates as ISO strings, tuples as lists (for ``json.dumps``)."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def request_view(row: Request, *, full: bool = False,
                 session: Session | None = None) -> RequestView:
    """The view of a loaded row; ``full`` (with a session) adds history, files, contacts."""
    citizen_name = row.citizen.name if full and row.citizen is not None else None
    # the citizen is loaded for a posted request only: a worklist of others reads no citizen
    address = address_of(row.citizen) if full or row.delivery == "courrier" else None
    extra: dict[str, Any] = {}
    if full and session is not None:
        extra = {
            "events": tuple(EventView(e.at, e.actor, e.kind, e.from_status, e.to_status, e.note)
                            for e in row.events),
            "attachments": tuple(AttachmentView(a.id, a.filename, a.path, a.size, a.sha256,
                                                a.mime, a.at, a.actor) for a in row.attachments),
            "contact_ids": tuple(session.scalars(select(Contact.id).where(
                Contact.request_id == row.id).order_by(Contact.id))),
        }
    return RequestView(row.id, row.reference, row.type, row.citizen_id, citizen_name, row.channel,
                       row.department, row.agent, row.status, row.subject, row.description,
                       row.created_at, row.due_at, row.clock_stopped_at, row.closed_at,
                       row.version, row.acknowledge_due_at, row.acknowledged_at,
                       row.escalated_at, row.answer, row.adopted, row.delivery, address,
                       **extra)
