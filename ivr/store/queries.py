"""Read side of the store: contact search and the indicators of the admin dashboard.

Indicators follow the usual contact-centre definitions, over inbound phone calls:
*queued* calls reached a department queue; answer rate and abandonment rate are
shares of queued calls; average speed of answer is the mean wait of answered calls;
service level is the share of queued calls answered within ``service_level_seconds``.
Sums run in SQL; days and hours are bucketed in Python in the town's time zone,
which neither SQLite nor a portable SQL expression knows.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session, selectinload

from ivr.domain.outcomes import ContactOutcome
from ivr.store.models import Contact

CONTACT_JSON_FIELDS = (
    "id", "ref", "call_id", "channel", "direction", "started_at", "answered_at", "ended_at",
    "caller", "called", "target", "routed_by", "menu_path", "transcript", "intent_confidence",
    "queue", "wait_seconds", "talk_seconds", "agent", "outcome", "hangup_stage",
    "parent_contact_id", "request_id", "subject", "body",
)  # fmt: skip


def _conditions(
    since: datetime | None = None,
    until: datetime | None = None,
    target: str | None = None,
    outcome: str | None = None,
    caller: str | None = None,
    routed_by: str | None = None,
    text: str | None = None,
) -> list[ColumnElement[bool]]:
    """WHERE clauses of a contact search; ``text`` matches words in any free-text column."""
    exact = {Contact.target: target, Contact.outcome: outcome, Contact.caller: caller,
             Contact.routed_by: routed_by}  # fmt: skip
    found: list[ColumnElement[bool]] = [col == value for col, value in exact.items() if value]
    if since is not None:
        found.append(Contact.started_at >= since)
    if until is not None:
        found.append(Contact.started_at < until)
    if text:
        needle = text.lower()
        columns = (Contact.transcript, Contact.ref, Contact.caller, Contact.subject, Contact.body)
        found.append(or_(*(func.lower(c).contains(needle, autoescape=True) for c in columns)))
    return found


def list_contacts(
    session: Session, *, limit: int = 100, offset: int = 0, **filters: Any
) -> list[Contact]:
    """Newest first; filters: since, until, target, outcome, caller, routed_by, text."""
    query = (
        select(Contact).where(*_conditions(**filters))
        .order_by(Contact.started_at.desc(), Contact.id.desc()).limit(limit).offset(offset)
    )  # fmt: skip
    return list(session.scalars(query))


def count_contacts(session: Session, **filters: Any) -> int:
    """How many contacts ``list_contacts`` would page through."""
    query = select(func.count()).select_from(Contact).where(*_conditions(**filters))
    return session.scalar(query) or 0


def get_contact(session: Session, contact_id: int) -> Contact | None:
    """A contact with its events (in seq order) loaded."""
    return session.get(Contact, contact_id, options=[selectinload(Contact.events)])


def contact_by_ref(session: Session, ref: str) -> Contact | None:
    """The contact an external reference (simulator, API client) points at."""
    return session.scalar(
        select(Contact).where(Contact.ref == ref).options(selectinload(Contact.events))
    )


def contact_to_dict(contact: Contact, events: bool = False) -> dict[str, Any]:
    """JSON-ready view of a contact (datetimes as ISO 8601 UTC)."""
    out = {name: _jsonable(getattr(contact, name)) for name in CONTACT_JSON_FIELDS}
    if events:
        out["events"] = [
            {"seq": e.seq, "at": e.at.isoformat(), "kind": e.kind, "data": e.data}
            for e in contact.events
        ]
    return out


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


@dataclass
class Indicators:
    """Dashboard figures for one period.

    Rates are 0..1 and None when nothing was queued; a "none" key counts contacts
    without a target, outcome or routing.
    """

    calls: int = 0
    queued: int = 0
    answered: int = 0
    abandoned: int = 0
    answer_rate: float | None = None
    abandonment_rate: float | None = None
    average_speed_of_answer: float | None = None
    service_level: float | None = None
    per_day: dict[str, int] = field(default_factory=dict)
    per_target: dict[str, dict[str, int]] = field(default_factory=dict)
    outcomes: dict[str, int] = field(default_factory=dict)
    routed_by: dict[str, float] = field(default_factory=dict)
    per_hour: dict[int, int] = field(default_factory=dict)
    busiest_hours: list[int] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _calls(since: datetime, until: datetime, target: str | None) -> list[ColumnElement[bool]]:
    return [
        Contact.channel == "phone", Contact.direction == "inbound",
        *_conditions(since=since, until=until, target=target),
    ]  # fmt: skip


def indicators(
    session: Session,
    since: datetime,
    until: datetime,
    target: str | None = None,
    service_level_seconds: float = 60,
    tz: tzinfo = UTC,
) -> Indicators:
    """Figures of inbound calls started in ``[since, until)``, optionally for one target."""
    where = _calls(since, until, target)
    result = _totals(session, where, service_level_seconds)
    result.per_target = _per_target(session, where)
    result.outcomes = _grouped(session, where, Contact.outcome)
    counts = _grouped(session, where, Contact.routed_by)
    result.routed_by = {k: v / result.calls for k, v in counts.items()} if result.calls else {}
    _buckets(session, where, tz, result)
    return result


def _totals(session: Session, where: list[ColumnElement[bool]], sl: float) -> Indicators:
    answered = Contact.outcome == ContactOutcome.ANSWERED.value
    query = select(
        func.count(),
        func.count(Contact.queue),
        func.count(case((answered, 1))),
        func.count(case((Contact.outcome == ContactOutcome.ABANDONED_QUEUE.value, 1))),
        func.avg(case((answered, Contact.wait_seconds))),
        func.count(case((and_(answered, Contact.wait_seconds <= sl), 1))),
    ).where(*where)
    calls, queued, n_answered, abandoned, asa, within = session.execute(query).one()
    return Indicators(
        calls=calls, queued=queued, answered=n_answered, abandoned=abandoned,
        answer_rate=n_answered / queued if queued else None,
        abandonment_rate=abandoned / queued if queued else None,
        average_speed_of_answer=float(asa) if asa is not None else None,
        service_level=within / queued if queued else None,
    )  # fmt: skip


def _grouped(session: Session, where: list[ColumnElement[bool]], column: Any) -> dict[str, int]:
    query: Select[Any] = select(column, func.count()).where(*where).group_by(column)
    return {str(key or "none"): n for key, n in session.execute(query)}


def _per_target(session: Session, where: list[ColumnElement[bool]]) -> dict[str, dict[str, int]]:
    answered = func.count(case((Contact.outcome == ContactOutcome.ANSWERED.value, 1)))
    query = select(Contact.target, func.count(), answered).where(*where).group_by(Contact.target)
    return {str(t or "none"): {"calls": n, "answered": a} for t, n, a in session.execute(query)}


def _buckets(
    session: Session, where: list[ColumnElement[bool]], tz: tzinfo, result: Indicators
) -> None:
    starts = [s.astimezone(tz) for s in session.scalars(select(Contact.started_at).where(*where))]
    result.per_day = dict(sorted(Counter(s.date().isoformat() for s in starts).items()))
    hours = Counter(s.hour for s in starts)
    result.per_hour = dict(sorted(hours.items()))
    result.busiest_hours = [hour for hour, _ in hours.most_common(3)]
