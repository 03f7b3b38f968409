"""Free slots of an appointment calendar: a pure function of the rules, the booked
instants and ``now``.

A calendar's day is cut into slots from the start of each availability range, one
every ``slot_minutes + buffer_minutes``, each ending within the range. Days are
skipped when the town hall's calendar closes the calendar's department (closures,
public holidays of the town's list, Alsace-Moselle included) or the calendar's own
absences say so. Slots are wall-clock times in the town's zone (``zoneinfo``), so
« mardi 14 heures » stays 14:00 across the change to winter time; instants are
compared in UTC.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from ivr.domain import hours
from ivr.rules import Rules
from ivr.rules.appointments import AppointmentCalendar


@dataclass(frozen=True)
class SlotProblem:
    """Why an instant cannot be booked (``code`` for programs, ``message`` in French)."""

    code: str  # past | notice | horizon | closed | outside | taken
    message: str


def calendar(rules: Rules, calendar_id: str) -> AppointmentCalendar:
    """The calendar ``calendar_id``; ``KeyError`` when the rules have none of that name."""
    return rules.appointments.calendars[calendar_id]


def closed_reason(rules: Rules, calendar_id: str, day: date) -> str | None:
    """Why no appointment is given on ``day`` (absence, closure, public holiday), or None."""
    cal = calendar(rules, calendar_id)
    for absence in cal.absences:
        if absence.covers(day, calendar_id):
            return f"absence : {absence.reason}"
    for closure in rules.calendar.closures:
        if closure.covers(day, cal.department):
            return f"fermeture : {closure.reason}"
    holiday = hours.public_holiday(rules, day)
    return f"jour férié : {holiday}" if holiday else None


def day_slots(rules: Rules, calendar_id: str, day: date) -> list[datetime]:
    """Every slot start of ``day`` (aware, town zone), booked or not; none on a closed day."""
    if closed_reason(rules, calendar_id, day):
        return []
    cal, zone = calendar(rules, calendar_id), rules.town.zone
    length = timedelta(minutes=cal.slot_minutes)
    step = length + timedelta(minutes=cal.buffer_minutes)
    starts: list[datetime] = []
    for window in rules.availability(calendar_id).day(day.weekday()):
        moment = datetime.combine(day, window.start)
        end = datetime.combine(day, window.end)
        while moment + length <= end:
            starts.append(moment.replace(tzinfo=zone))
            moment += step
    return starts


def bounds(rules: Rules, calendar_id: str, now: datetime) -> tuple[datetime, datetime]:
    """The earliest and the latest (excluded) instants one may book at ``now``."""
    cal = calendar(rules, calendar_id)
    local = now.astimezone(rules.town.zone)
    last_day = local.date() + timedelta(days=cal.horizon_days + 1)
    latest = datetime.combine(last_day, time(0), tzinfo=rules.town.zone)
    return now + timedelta(hours=cal.notice_hours), latest


def free_slots(rules: Rules, calendar_id: str, booked: Collection[datetime], now: datetime,
               after: datetime | None = None) -> Iterator[datetime]:
    """The free slots, in order, from ``after`` (excluded; default: the notice) to the
    horizon. ``booked`` holds the start instants already taken (any zone)."""
    earliest, latest = bounds(rules, calendar_id, now)
    taken = {moment.astimezone(UTC) for moment in booked}
    day = max(earliest, after or earliest).astimezone(rules.town.zone).date()
    while datetime.combine(day, time(0), tzinfo=rules.town.zone) < latest:
        for start in day_slots(rules, calendar_id, day):
            if (start >= earliest and (after is None or start > after) and start < latest
                    and start.astimezone(UTC) not in taken):
                yield start
        day += timedelta(days=1)


def problem(rules: Rules, calendar_id: str, start: datetime, booked: Collection[datetime],
            now: datetime) -> SlotProblem | None:
    """Why ``start`` cannot be booked now, or None when it can (the database still has
    the last word on « taken »: two bookings may race)."""
    local = start.astimezone(rules.town.zone)
    earliest, latest = bounds(rules, calendar_id, now)
    if start <= now:
        return SlotProblem("past", "Ce créneau est déjà passé.")
    if start < earliest:
        return SlotProblem("notice", "Ce créneau est trop proche : il faut réserver au moins "
                           f"{calendar(rules, calendar_id).notice_hours} heures à l'avance.")
    if start >= latest:
        return SlotProblem("horizon", "Ce créneau est trop lointain pour être réservé.")
    reason = closed_reason(rules, calendar_id, local.date())
    if reason:
        return SlotProblem("closed", f"Pas de rendez-vous ce jour-là ({reason}).")
    if local not in day_slots(rules, calendar_id, local.date()):
        return SlotProblem("outside", "Ce créneau ne fait pas partie des disponibilités "
                           "de cet agenda.")
    if start.astimezone(UTC) in {moment.astimezone(UTC) for moment in booked}:
        return SlotProblem("taken", "Ce créneau vient d'être réservé par quelqu'un d'autre.")
    return None


def spoken_slot(start: datetime, rules: Rules) -> str:
    """« mardi 8 décembre à 14 heures 30 », in the town's zone, for a voice prompt."""
    local = start.astimezone(rules.town.zone)
    return f"{hours.spoken_date(local.date())} à {hours.spoken_time(local.time())}"


def next_day(start: datetime, rules: Rules) -> datetime:
    """The last instant of ``start``'s day (town zone): « un autre jour » searches after it."""
    local = start.astimezone(rules.town.zone)
    return datetime.combine(local.date(), time(23, 59, 59), tzinfo=rules.town.zone)
