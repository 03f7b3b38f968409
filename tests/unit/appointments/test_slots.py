"""Free slots as a pure function: availability, slot length and buffer, notice,
horizon, public holidays, closures, absences and the change to winter time."""

from __future__ import annotations

from datetime import UTC, date, timedelta
from itertools import islice

from ivr.appointments import slots
from ivr.rules import Closure
from tests.fixtures.appointments import MONDAY_9H, paris, with_calendar
from tests.fixtures.requests import RULES, alsace, with_closure


def first(n: int, calendar: str = "maire", booked=(), now=MONDAY_9H, rules=RULES, after=None):
    return list(islice(slots.free_slots(rules, calendar, booked, now, after), n))


def test_the_maire_s_slots_are_tuesday_and_thursday_afternoons_every_30_minutes() -> None:
    assert first(7) == [paris(2026, 12, 1, 14), paris(2026, 12, 1, 14, 30),
                        paris(2026, 12, 1, 15), paris(2026, 12, 1, 15, 30),
                        paris(2026, 12, 1, 16), paris(2026, 12, 1, 16, 30),
                        paris(2026, 12, 3, 14)]


def test_slot_length_and_buffer_cut_the_counter_s_mornings() -> None:
    day = slots.day_slots(RULES, "titres-identite", date(2026, 12, 2))  # Wednesday 9-12
    assert [s.strftime("%H:%M") for s in day] == ["09:00", "09:25", "09:50", "10:15", "10:40",
                                                  "11:05", "11:30"]  # 20 min + 5, ends ≤ 12:00


def test_booked_slots_are_skipped_and_after_excludes() -> None:
    booked = [paris(2026, 12, 1, 14).astimezone(UTC)]  # any zone: compared as instants
    assert first(1, booked=booked) == [paris(2026, 12, 1, 14, 30)]
    assert first(1, after=paris(2026, 12, 1, 14, 30)) == [paris(2026, 12, 1, 15)]


def test_the_notice_and_the_horizon_bound_the_search() -> None:
    now = paris(2026, 12, 1, 13)  # 24 h notice: Tuesday afternoon is too close
    assert first(1, now=now) == [paris(2026, 12, 3, 14)]
    every = list(slots.free_slots(RULES, "maire", (), MONDAY_9H))
    assert every[-1].date() <= (MONDAY_9H + timedelta(days=60)).date()
    assert every[-1].date() >= (MONDAY_9H + timedelta(days=53)).date()


def test_public_holidays_give_no_slot() -> None:
    # Friday 25 December 2026 is Christmas: the counter opens on Friday mornings
    assert slots.day_slots(RULES, "titres-identite", date(2026, 12, 25)) == []
    assert slots.closed_reason(RULES, "titres-identite", date(2026, 12, 25)) == \
        "jour férié : Noël"
    # 26 December is a holiday in Alsace-Moselle only (a Saturday: use 2025, a Friday)
    assert slots.closed_reason(alsace(), "titres-identite", date(2025, 12, 26))
    assert not slots.closed_reason(RULES, "titres-identite", date(2025, 12, 26))


def test_a_closure_of_the_department_and_an_absence_close_the_calendar() -> None:
    closed = with_closure(Closure(date=date(2026, 12, 1), reason="formation",
                                  departments=("cabinet-maire",)))
    assert first(1, rules=closed) == [paris(2026, 12, 3, 14)]
    other = with_closure(Closure(date=date(2026, 12, 1), reason="x", departments=("urbanisme",)))
    assert first(1, rules=other) == [paris(2026, 12, 1, 14)]
    away = with_calendar("maire", absences=(Closure(start=date(2026, 12, 1),
                                                    end=date(2026, 12, 3), reason="congrès"),))
    assert first(1, rules=away) == [paris(2026, 12, 8, 14)]
    assert slots.problem(away, "maire", paris(2026, 12, 3, 14), (), MONDAY_9H).code == "closed"


def test_the_week_of_the_change_to_winter_time_keeps_wall_clock_slots() -> None:
    # 25 October 2026, 3:00 CEST → 2:00 CET; Tuesday 27 is in winter time
    now = paris(2026, 10, 21, 9)
    found = first(8, now=now)
    assert [s.strftime("%d %H:%M") for s in found] == [
        "22 14:00", "22 14:30", "22 15:00", "22 15:30", "22 16:00", "22 16:30",
        "27 14:00", "27 14:30"]
    assert found[0].utcoffset() == timedelta(hours=2)
    assert found[6].utcoffset() == timedelta(hours=1)
    assert found[6].astimezone(UTC).hour == 13  # 14:00 in Paris is 13:00 UTC in winter


def test_toussaint_2027_follows_the_change_to_winter_time() -> None:
    # the call of tests/e2e/test_appointments_race.py: Friday 29 October 2027 at 10:00,
    # Sunday 31 the clocks go back, Monday 1 November is a public holiday
    now = paris(2027, 10, 29, 10)
    counter = first(2, "titres-identite", now=now)
    assert counter == [paris(2027, 11, 2, 9), paris(2027, 11, 2, 9, 25)]
    assert [s.astimezone(UTC).hour for s in counter] == [8, 8]
    assert slots.closed_reason(RULES, "titres-identite", date(2027, 11, 1)) == \
        "jour férié : Toussaint"
    assert first(1, now=now) == [paris(2027, 11, 2, 14)]  # the maire: Tuesday, winter time


def test_problems_name_why_a_slot_cannot_be_booked() -> None:
    def code(start, booked=()):
        found = slots.problem(RULES, "maire", start, booked, MONDAY_9H)
        return found.code if found else None

    assert code(paris(2026, 11, 30, 8)) == "past"
    assert code(paris(2026, 11, 30, 14)) == "notice"
    assert code(paris(2027, 3, 2, 14)) == "horizon"
    assert code(paris(2026, 12, 1, 14, 10)) == "outside"
    assert code(paris(2026, 12, 2, 14)) == "outside"  # a Wednesday
    assert code(paris(2026, 12, 1, 14), [paris(2026, 12, 1, 14)]) == "taken"
    assert code(paris(2026, 12, 1, 14)) is None


def test_a_slot_is_said_in_natural_french() -> None:
    assert slots.spoken_slot(paris(2026, 12, 8, 14, 30), RULES) == \
        "mardi 8 décembre à 14 heures 30"
    assert slots.spoken_slot(paris(2026, 12, 1, 14).astimezone(UTC), RULES) == \
        "mardi 1er décembre à 14 heures"
