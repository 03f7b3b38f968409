"""The promised window and its French sentence, with a fake opening-hours function."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ivr.domain.callback_offers import NoOpening, OfferParams, ceil_quarter, promised_window

PARIS = ZoneInfo("Europe/Paris")


@dataclass
class Status:
    open: bool
    next_opening: datetime | None
    closes_at: datetime | None
    reason: str = ""


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in March 2026 (the 2nd is a Monday), Paris time."""
    return datetime(2026, 3, day, hour, minute, tzinfo=PARIS)


def weekday_hours(target: str, moment: datetime) -> Status:
    """8:30-12:00 and 13:30-17:30, Monday to Friday (a typical mairie)."""
    moment = moment.astimezone(PARIS)
    slots = [(at(moment.day + d, 8, 30), at(moment.day + d, 12)) for d in range(0, 8)]
    slots += [(at(moment.day + d, 13, 30), at(moment.day + d, 17, 30)) for d in range(0, 8)]
    slots = sorted(s for s in slots if s[0].weekday() < 5)
    for start, end in slots:
        if start <= moment < end:
            return Status(True, None, end)
    return Status(False, min(s for s, _ in slots if s > moment), None)


PARAMS = OfferParams(delay=timedelta(hours=2))


def test_open_promise_rounded_up_to_the_quarter() -> None:
    offer = promised_window(PARAMS, "etat-civil", at(3, 8, 50), weekday_hours)
    assert offer.due_at == at(3, 8, 50)
    assert offer.promised_before == at(3, 11)
    assert offer.sentence == "Nous vous rappellerons aujourd'hui avant 11 h."


def test_open_promise_capped_at_closing_time() -> None:
    offer = promised_window(PARAMS, "etat-civil", at(3, 10, 40), weekday_hours)
    assert offer.promised_before == at(3, 12)
    assert offer.sentence == "Nous vous rappellerons aujourd'hui avant 12 h."


def test_closed_on_friday_evening_promises_monday_opening() -> None:
    offer = promised_window(PARAMS, "etat-civil", at(6, 18, 5), weekday_hours)
    assert offer.due_at == at(9, 8, 30)
    assert offer.promised_before == at(9, 10, 30)
    assert offer.sentence == "Nous vous rappellerons dès la réouverture, lundi à 8 h 30."


def test_lunch_break_promises_this_afternoon() -> None:
    offer = promised_window(PARAMS, "etat-civil", at(3, 12, 30), weekday_hours)
    assert offer.due_at == at(3, 13, 30)
    assert offer.sentence == "Nous vous rappellerons dès la réouverture, aujourd'hui à 13 h 30."


def test_closing_in_five_minutes_promises_the_next_opening() -> None:
    offer = promised_window(PARAMS, "etat-civil", at(3, 17, 25), weekday_hours)
    assert offer.due_at == at(4, 8, 30)
    assert offer.sentence == "Nous vous rappellerons dès la réouverture, demain à 8 h 30."


def test_utc_now_is_spoken_in_paris_time() -> None:
    offer = promised_window(PARAMS, "etat-civil", at(3, 9).astimezone(ZoneInfo("UTC")),
                            weekday_hours)
    assert offer.sentence == "Nous vous rappellerons aujourd'hui avant 11 h."


def test_no_next_opening_refuses_a_promise() -> None:
    with pytest.raises(NoOpening):
        promised_window(PARAMS, "x", at(3, 9), lambda t, m: Status(False, None, None))


def test_far_opening_names_the_date() -> None:
    reopening = at(20, 8, 30)
    offer = promised_window(PARAMS, "x", at(3, 9),
                            lambda t, m: Status(m >= reopening, reopening, at(20, 12)))
    assert offer.sentence.endswith("le vendredi 20 mars à 8 h 30.")


@pytest.mark.parametrize(("minute", "expected"), [(0, 0), (1, 15), (15, 15), (44, 45)])
def test_ceil_quarter(minute: int, expected: int) -> None:
    assert ceil_quarter(at(3, 9, minute)) == at(3, 9, expected)


def test_ceil_quarter_rolls_over_the_hour() -> None:
    assert ceil_quarter(at(3, 9, 50)) == at(3, 10)
