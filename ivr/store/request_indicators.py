"""Indicators of requests per type and department (référentiel Marianne, Services Publics+).

For a period [since, until) and an instant ``now``:

- ``volume``: requests created in the period;
- ``backlog``: requests open at ``now`` (whenever created);
- ``late``: open at ``now``, not waiting for the citizen, past their due date;
- ``answered``: requests closed in the period;
- ``median_days``: median time from creation to closing of those, in calendar days;
- ``median_working_days``: the same in working days (*jours ouvrés*, the unit of the
  announced delays): working days after the day of creation up to the day of closing,
  so a request answered the day it came is 0 (None without the rules);
- ``within_delay``: share (0-1) of those closed no later than their due date (which
  already carries the days the clock stood still), None when none was closed.

Counts run in SQL; the median is taken in Python (neither SQLite nor a portable SQL
expression has one) over the closed requests of the period only.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import datetime
from statistics import median
from typing import Any

from sqlalchemy import func, select

from ivr.requests.due import WorkingDays
from ivr.rules import Rules
from ivr.store.db import Store
from ivr.store.models import Request

Key = tuple[str, str]  # (type, department)


@dataclass(frozen=True)
class IndicatorRow:
    """Indicators of one (type, department) pair."""

    type: str
    department: str
    volume: int
    backlog: int
    late: int
    answered: int
    median_days: float | None
    within_delay: float | None
    median_working_days: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


def _counts(store: Store, where: Any) -> dict[Key, int]:
    query = (select(Request.type, Request.department, func.count())
             .where(where).group_by(Request.type, Request.department))
    with store.session() as session:
        return {(t, d): n for t, d, n in session.execute(query)}


def indicators(store: Store, *, since: datetime, until: datetime, now: datetime,
               rules: Rules | None = None) -> list[IndicatorRow]:
    """One row per (type, department) having any activity, sorted by department then type;
    ``rules`` (the calendar) for the median in working days."""
    volume = _counts(store, (Request.created_at >= since) & (Request.created_at < until))
    backlog = _counts(store, Request.closed_at.is_(None))
    late = _counts(store, Request.closed_at.is_(None) & Request.clock_stopped_at.is_(None)
                   & (Request.due_at < now))
    durations: dict[Key, list[float]] = defaultdict(list)
    working: dict[Key, list[int]] = defaultdict(list)
    on_time: dict[Key, int] = defaultdict(int)
    days = WorkingDays(rules) if rules is not None else None
    closed = select(Request.type, Request.department, Request.created_at, Request.closed_at,
                    Request.due_at).where(Request.closed_at >= since, Request.closed_at < until)
    with store.session() as session:
        for kind, department, created, closed_at, due in session.execute(closed):
            durations[(kind, department)].append((closed_at - created).total_seconds() / 86400)
            if days is not None:
                working[(kind, department)].append(days.between(department, created, closed_at))
            on_time[(kind, department)] += closed_at <= due
    keys = sorted(set(volume) | set(backlog) | set(durations), key=lambda k: (k[1], k[0]))
    rows = []
    for kind, department in keys:
        key = (kind, department)
        answered, median_days, within = _answered(durations[key], on_time[key])
        rows.append(IndicatorRow(kind, department, volume.get(key, 0), backlog.get(key, 0),
                                 late.get(key, 0), answered, median_days, within,
                                 median(working[key]) if working[key] else None))
    return rows


def _answered(durations: list[float], on_time: int) -> tuple[int, float | None, float | None]:
    """(answered, median days, share within the delay) of one pair's closed requests."""
    if not durations:
        return 0, None, None
    return len(durations), round(median(durations), 2), on_time / len(durations)
