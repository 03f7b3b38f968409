"""Reminders two days before at 9:00, town time; once; only for reserved appointments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ivr.appointments import reminders
from tests.fixtures.appointments import PARIS, paris


@dataclass(frozen=True)
class Booked:
    reference: str
    start: datetime
    status: str = "reserve"


THURSDAY = Booked("1", paris(2026, 12, 3, 14))


def test_the_reminder_is_due_two_days_before_at_nine() -> None:
    assert reminders.reminder_at(THURSDAY.start, PARIS) == paris(2026, 12, 1, 9)
    assert reminders.due([THURSDAY], paris(2026, 12, 1, 8, 59), PARIS, frozenset()) == []
    assert reminders.due([THURSDAY], paris(2026, 12, 1, 9), PARIS, frozenset()) == [THURSDAY]


def test_sent_cancelled_or_past_appointments_get_none() -> None:
    now = paris(2026, 12, 2, 12)
    assert reminders.due([THURSDAY], now, PARIS, frozenset({"1"})) == []
    assert reminders.due([Booked("2", THURSDAY.start, "annule")], now, PARIS, frozenset()) == []
    assert reminders.due([THURSDAY], paris(2026, 12, 3, 15), PARIS, frozenset()) == []


def test_a_late_booking_is_reminded_at_once() -> None:
    tomorrow = Booked("3", paris(2026, 12, 3, 9))
    assert reminders.due([tomorrow], paris(2026, 12, 2, 17), PARIS, frozenset()) == [tomorrow]
