"""Dashboard figures: the store's call indicators plus the callbacks kept in time.

Periods are whole town-hall days (Europe/Paris); see ``ivr.store.queries`` for the
definitions of the call indicators.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from admin.period import PARIS, bounds
from ivr.store.models import Callback
from ivr.store.queries import Indicators, indicators


@dataclass(frozen=True)
class Dashboard:
    """What the indicators page shows and the CSV export writes."""

    calls: Indicators
    callbacks_due: int
    callbacks_kept: int

    @property
    def callbacks_kept_rate(self) -> float | None:
        return self.callbacks_kept / self.callbacks_due if self.callbacks_due else None


def compute(
    session: Session, start: date, end: date, department: str | None, sl_seconds: int
) -> Dashboard:
    """Figures of the days ``start``..``end`` (``department`` None: the whole town hall)."""
    since, until = bounds(start, end)
    assert since is not None and until is not None
    calls = indicators(session, since, until, department, sl_seconds, PARIS)
    return Dashboard(calls, *_callbacks(session, since, until, department))


def _callbacks(
    session: Session, since: datetime, until: datetime, department: str | None
) -> tuple[int, int]:
    """Callbacks promised for the period, and how many were done before the promise
    (``completed_at``, set by the repository when the citizen is reached)."""
    period = [Callback.promised_before >= since, Callback.promised_before < until]
    if department:
        period.append(Callback.target == department)
    due = session.scalar(select(func.count()).select_from(Callback).where(*period)) or 0
    kept_rows = (
        select(func.count())
        .select_from(Callback)
        .where(
            *period, Callback.state == "done", Callback.completed_at <= Callback.promised_before
        )
    )
    return due, session.scalar(kept_rows) or 0
