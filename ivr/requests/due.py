"""Due dates in working days (*jours ouvrés*) of the town's calendar.

A working day is a weekday (Monday to Friday) that is neither a public holiday
(``holidays``, with the Alsace-Moselle days when ``town.alsace_moselle``) nor a
closure of the department in the rules: the same calendar as the opening hours,
read through ``ivr.domain.hours.day_plan``. A request is due at the end (23:59:59, town
time) of the ``delay``-th working day after the day it was made; working days spent
in a status that stops the clock (« à compléter ») push that back day for day.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from ivr.domain.hours import day_plan
from ivr.rules import Rules

END_OF_DAY = time(23, 59, 59)
_DAYS_OFF = ("public_holiday:", "closure:")
_MAX_SCAN = 3660  # ten years of days: a calendar closed for longer is a rules mistake


def is_working_day(rules: Rules, department: str, day: date) -> bool:
    """True for a weekday that is no public holiday nor a closure of ``department``."""
    if day.weekday() >= 5:
        return False
    reason = day_plan(rules, department, day).reason or ""
    return not reason.startswith(_DAYS_OFF)


def add_working_days(rules: Rules, department: str, start: date, days: int) -> date:
    """The ``days``-th working day after ``start`` (``start`` itself never counts)."""
    day, left = start, days
    for _ in range(_MAX_SCAN):
        if left <= 0:
            return day
        day += timedelta(days=1)
        left -= is_working_day(rules, department, day)
    raise ValueError(f"no working day for {department!r} within {_MAX_SCAN} days of {start}")


class WorkingDays:
    """Counts working days between instants, each (department, day) looked up once: the
    indicators count them for thousands of closed requests over the same few months."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self._known: dict[tuple[str, date], bool] = {}

    def _working(self, department: str, day: date) -> bool:
        key = (department, day)
        if key not in self._known:
            self._known[key] = is_working_day(self.rules, department, day)
        return self._known[key]

    def between(self, department: str, start: datetime, end: datetime) -> int:
        """Working days after ``start``'s day up to and including ``end``'s day (town time)."""
        zone = self.rules.town.zone
        first, last = start.astimezone(zone).date(), end.astimezone(zone).date()
        return sum(self._working(department, first + timedelta(days=n))
                   for n in range(1, (last - first).days + 1))


def working_days_between(rules: Rules, department: str, start: datetime, end: datetime) -> int:
    """Working days after ``start``'s day up to and including ``end``'s day (town time)."""
    return WorkingDays(rules).between(department, start, end)


def due_at(rules: Rules, department: str, created_at: datetime, delay: int) -> datetime:
    """When a request made at ``created_at`` is due: end of the ``delay``-th working day."""
    zone = rules.town.zone
    day = add_working_days(rules, department, created_at.astimezone(zone).date(), delay)
    return datetime.combine(day, END_OF_DAY, tzinfo=zone)


def pushed_back(rules: Rules, department: str, due: datetime, stopped_since: datetime,
                resumed_at: datetime) -> datetime:
    """``due`` moved back by the working days the clock stood still."""
    stopped = working_days_between(rules, department, stopped_since, resumed_at)
    zone = rules.town.zone
    day = add_working_days(rules, department, due.astimezone(zone).date(), stopped)
    return datetime.combine(day, END_OF_DAY, tzinfo=zone)
