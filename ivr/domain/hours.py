"""Opening hours: is a department open at a given instant, and when does it reopen?

Pure functions of the rules and an aware datetime (never the system clock). Hours
are wall-clock times in the town's zone, so a range keeps its meaning across the
daylight-saving changes. Precedence for a given day, most specific first:
exceptional closure > special day > public holiday > weekly hours.
The French phrases are written for the voice: espeak-ng reads « 8 h 30 » as
"huit ache trente", hence « 8 heures 30 ».
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from itertools import groupby
from zoneinfo import ZoneInfo

import holidays

from ivr.rules import Rules, TimeRange
from ivr.rules.times import DAY_NAMES

HORIZON_DAYS = 62  # how far ahead a next opening is searched (a summer closure fits)
ALSACE_MOSELLE = "57"  # `holidays` subdivision; Alsace ("6AE") has the same days
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre")


@dataclass(frozen=True)
class OpenStatus:
    """Whether a target answers at an instant, and why (``reason`` for logs and admin)."""

    open: bool
    next_opening: datetime | None
    closes_at: datetime | None
    # open | outside_hours | lunch_break | public_holiday:<name> | closure:<reason>
    # | special_day:<reason> (a special day with no hours at all)
    reason: str


@dataclass(frozen=True)
class DayPlan:
    ranges: tuple[TimeRange, ...]
    reason: str | None  # why the day departs from the weekly hours, if it does


@lru_cache(maxsize=16)
def _public_holidays(year: int, alsace_moselle: bool) -> dict[date, str]:
    subdiv = ALSACE_MOSELLE if alsace_moselle else None
    return dict(holidays.France(years=year, subdiv=subdiv, language="fr"))


def public_holiday(rules: Rules, day: date) -> str | None:
    """The name of the public holiday on ``day`` (the town's list), or None."""
    if not rules.calendar.public_holidays:
        return None
    return _public_holidays(day.year, rules.town.alsace_moselle).get(day)


def day_plan(rules: Rules, target: str, day: date) -> DayPlan:
    """The opening ranges of ``target`` on ``day``, after the calendar's exceptions."""
    calendar = rules.calendar
    for closure in calendar.closures:
        if closure.covers(day, target):
            return DayPlan((), f"closure:{closure.reason}")
    for special in calendar.special_days:
        if special.date == day and (special.departments is None or target in special.departments):
            return DayPlan(special.hours, f"special_day:{special.reason}")
    name = public_holiday(rules, day)
    if name:
        return DayPlan((), f"public_holiday:{name}")
    weekly = rules.weekly_hours(target)
    return DayPlan(weekly.day(day.weekday()) if weekly else (), None)


def _at(day: date, moment: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, moment, tzinfo=zone)


def _closing(ranges: tuple[TimeRange, ...], index: int) -> time:
    """End of the range at ``index``, carried through ranges that touch it."""
    end = ranges[index].end
    for following in ranges[index + 1:]:
        if following.start != end:
            break
        end = following.end
    return end


def status(rules: Rules, target: str, at: datetime) -> OpenStatus:
    """Open or closed at ``at`` (aware); when closed, the next opening and the reason."""
    if at.tzinfo is None:
        raise ValueError("status() needs an aware datetime")
    if rules.departments[target].answered_by_ivr:
        return OpenStatus(True, None, None, "open")
    zone = rules.town.zone
    local = at.astimezone(zone)
    plan = day_plan(rules, target, local.date())
    now = local.time()
    for i, slot in enumerate(plan.ranges):
        if slot.start <= now < slot.end:
            return OpenStatus(True, None, _at(local.date(), _closing(plan.ranges, i), zone), "open")
    reason = plan.reason if plan.reason and not plan.ranges else _closed_reason(plan.ranges, now)
    return OpenStatus(False, next_opening(rules, target, at), None, reason)


def _closed_reason(ranges: tuple[TimeRange, ...], now: time) -> str:
    between = any(r.end <= now for r in ranges) and any(r.start > now for r in ranges)
    return "lunch_break" if between else "outside_hours"


def next_opening(rules: Rules, target: str, at: datetime) -> datetime | None:
    """The first opening strictly after ``at`` within ``HORIZON_DAYS``, or None."""
    zone = rules.town.zone
    first = at.astimezone(zone).date()
    for offset in range(HORIZON_DAYS + 1):
        day = first + timedelta(days=offset)
        for slot in day_plan(rules, target, day).ranges:
            start = _at(day, slot.start, zone)
            if start > at:
                return start
    return None


def spoken_time(moment: time) -> str:
    """« 8 heures 30 », « 12 heures »."""
    unit = "heure" if moment.hour <= 1 else "heures"
    minutes = f" {moment.minute:02d}" if moment.minute else ""
    return f"{moment.hour} {unit}{minutes}"


def spoken_date(day: date) -> str:
    """« lundi 5 janvier », « vendredi 1er octobre »."""
    return " ".join(date_pieces(day))


def date_pieces(day: date) -> tuple[str, str, str]:
    """(« vendredi », « 1er », « octobre »): a spoken date as three words taken from
    ``DAY_WORDS`` and ``MONTHS``, so it can be said from sounds rendered ahead of calls."""
    number = "1er" if day.day == 1 else str(day.day)
    return DAY_NAMES[day.weekday()], number, MONTHS[day.month - 1]


# the words ``date_pieces`` may return before the month: weekdays, day numbers
DAY_WORDS: tuple[str, ...] = (*DAY_NAMES, "1er", *(str(n) for n in range(2, 32)))


def describe_next_opening(next_opening: datetime, now: datetime) -> str:
    """When a closed service reopens, for a voice prompt: « demain à 8 heures 30 »."""
    local_now = now.astimezone(next_opening.tzinfo)
    days = (next_opening.date() - local_now.date()).days
    when = {0: "aujourd'hui", 1: "demain"}.get(days) or spoken_date(next_opening.date())
    return f"{when} à {spoken_time(next_opening.time())}"


def _ranges_phrase(ranges: tuple[TimeRange, ...]) -> str:
    parts = [f"de {spoken_time(r.start)} à {spoken_time(r.end)}" for r in ranges]
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} et {parts[-1]}"


def _days_phrase(days: list[int]) -> str:
    names = [DAY_NAMES[d] for d in days]
    if len(names) == 1:
        return f"le {names[0]}"
    if len(names) == 2:
        return f"le {names[0]} et le {names[1]}"
    return f"du {names[0]} au {names[-1]}"


def _of(name: str) -> str:
    """French « de » before a noun phrase: de + le → du, de + les → des."""
    for article, contracted in (("le ", "du "), ("les ", "des ")):
        if name.startswith(article):
            return contracted + name[len(article):]
    return f"de {name}"


def describe_hours(rules: Rules, target: str) -> str:
    """The weekly hours of ``target`` as one French sentence (the `horaires` answer)."""
    weekly = rules.weekly_hours(target)
    name = _of(rules.departments[target].spoken_name)
    week = [(d, weekly.day(d) if weekly else ()) for d in range(7)]
    groups: list[str] = []
    for ranges, run in groupby(week, key=lambda item: item[1]):
        days = [d for d, _ in run]  # groupby: equal hours on consecutive days
        if ranges:
            groups.append(f"{_days_phrase(days)}, {_ranges_phrase(ranges)}")
    if not groups:
        return f"Les horaires {name} ne sont pas précisés."
    return f"Horaires d'ouverture {name} : {' ; '.join(groups)}, sauf les jours fériés."

