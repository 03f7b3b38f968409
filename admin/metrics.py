"""Call-centre indicators over a period, computed from the contacts store.

Definitions (phone calls only, inbound):
- *offered*: calls that reached a department's queue (``queue`` set);
- *answer rate*: answered / offered; *abandonment rate*: ``abandoned_queue`` / offered;
- *service level*: answered within N seconds of waiting / offered;
- *average speed of answer*: mean waiting time of answered calls;
- *callbacks kept*: callbacks done before the promised time, among those due in the period.
Days and hours are the town hall's (Europe/Paris), whatever the database stores.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from statistics import fmean
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from admin.period import PARIS, bounds
from ivr.store.models import Callback, Contact

K = TypeVar("K")


@dataclass(frozen=True)
class Indicators:
    """Everything the indicators page shows and the CSV export writes."""

    calls: int
    offered: int
    answered: int
    abandoned: int
    answer_rate: float | None
    abandonment_rate: float | None
    service_level: float | None
    average_answer_seconds: float | None
    per_day: list[tuple[str, int]] = field(default_factory=list)
    per_department: list[tuple[str, int]] = field(default_factory=list)
    routed_by: dict[str, float] = field(default_factory=dict)
    busiest_hours: list[tuple[str, int]] = field(default_factory=list)
    callbacks_due: int = 0
    callbacks_kept_rate: float | None = None


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _calls(
    session: Session, start: date | None, end: date | None, department: str | None
) -> list[Contact]:
    """Inbound phone calls of the period."""
    stmt = select(Contact).where(Contact.channel == "phone", Contact.direction == "inbound")
    low, high = bounds(start, end)
    stmt = stmt.where(Contact.started_at >= low) if low else stmt
    stmt = stmt.where(Contact.started_at < high) if high else stmt
    stmt = stmt.where(Contact.target == department) if department else stmt
    return list(session.scalars(stmt))


def compute(
    session: Session, start: date | None, end: date | None, department: str | None, sl_seconds: int
) -> Indicators:
    """The indicators of the period (``department`` None: the whole town hall)."""
    calls = _calls(session, start, end, department)
    offered = [c for c in calls if c.queue]
    answered = [c for c in offered if c.outcome == "answered"]
    abandoned = sum(1 for c in offered if c.outcome == "abandoned_queue")
    waits = [c.wait_seconds for c in answered if c.wait_seconds is not None]
    due, kept = _callbacks(session, start, end, department)
    return Indicators(
        calls=len(calls),
        offered=len(offered),
        answered=len(answered),
        abandoned=abandoned,
        answer_rate=_ratio(len(answered), len(offered)),
        abandonment_rate=_ratio(abandoned, len(offered)),
        service_level=_ratio(sum(1 for w in waits if w <= sl_seconds), len(offered)),
        average_answer_seconds=fmean(waits) if waits else None,
        per_day=[(d.strftime("%d/%m/%Y"), n) for d, n in sorted(_count(calls, _day).items())],
        per_department=Counter(c.target or "non orienté" for c in calls).most_common(),
        routed_by=_shares(Counter(c.routed_by for c in calls if c.routed_by)),
        busiest_hours=[(f"{h:02d} h", n) for h, n in sorted(_count(calls, _hour).items())],
        callbacks_due=due,
        callbacks_kept_rate=_ratio(kept, due),
    )


def _day(contact: Contact) -> date:
    return contact.started_at.astimezone(PARIS).date()


def _hour(contact: Contact) -> int:
    return contact.started_at.astimezone(PARIS).hour


def _count(calls: list[Contact], key: Callable[[Contact], K]) -> Counter[K]:
    return Counter(key(c) for c in calls)


def _shares(counts: Counter[str]) -> dict[str, float]:
    """Each value's share of the total, largest first."""
    total = sum(counts.values())
    return {k: v / total for k, v in counts.most_common()}


def _callbacks(
    session: Session, start: date | None, end: date | None, department: str | None
) -> tuple[int, int]:
    """Callbacks promised in the period, and how many were done in time.

    The store has no completion time yet, so ``updated_at`` of a ``done`` callback
    stands for it (the row is last touched when the call back succeeds).
    """
    stmt = select(Callback).where(Callback.promised_before.isnot(None))
    low, high = bounds(start, end)
    stmt = stmt.where(Callback.promised_before >= low) if low else stmt
    stmt = stmt.where(Callback.promised_before < high) if high else stmt
    stmt = stmt.where(Callback.target == department) if department else stmt
    rows = list(session.scalars(stmt))
    kept = sum(1 for cb in rows if cb.state == "done" and cb.updated_at <= cb.promised_before)
    return len(rows), kept
