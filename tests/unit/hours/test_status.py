"""Open or closed at an instant: week, lunch, holidays, closures, special days, DST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ivr.domain.hours import status
from tests.fixtures.hours import paris, rules


@pytest.mark.parametrize(("at", "is_open", "reason", "next_opening"), [
    ("2026-12-02 10:00", True, "open", None),                          # Wednesday morning
    ("2026-12-02 08:29", False, "outside_hours", "2026-12-02 08:30"),  # not yet open
    ("2026-12-02 12:00", False, "lunch_break", "2026-12-02 13:30"),    # end is excluded
    ("2026-12-02 17:30", False, "outside_hours", "2026-12-03 08:30"),
    ("2026-12-05 11:59", True, "open", None),                          # Saturday morning
    ("2026-12-05 14:00", False, "outside_hours", "2026-12-07 08:30"),  # Saturday afternoon
    ("2026-12-06 10:00", False, "outside_hours", "2026-12-07 08:30"),  # Sunday
])
def test_weekly_hours(at: str, is_open: bool, reason: str, next_opening: str | None) -> None:
    result = status(rules(), "accueil", paris(at))
    assert (result.open, result.reason) == (is_open, reason)
    assert result.next_opening == (paris(next_opening) if next_opening else None)


def test_open_status_says_when_it_closes() -> None:
    assert status(rules(), "accueil", paris("2026-12-02 14:00")).closes_at == paris(
        "2026-12-02 17:30")


def test_touching_ranges_close_at_the_end_of_the_last() -> None:
    result = status(rules(), "continu", paris("2026-06-01 11:00"))
    assert result.open and result.closes_at == paris("2026-06-01 14:00")


@pytest.mark.parametrize(("day", "name", "next_opening"), [
    ("2026-05-01", "Fête du Travail", "2026-05-02 09:00"),   # Friday → Saturday morning
    ("2026-07-14", "Fête nationale", "2026-07-15 08:30"),
    ("2026-12-25", "Noël", "2026-12-26 09:00"),
    ("2027-03-29", "Lundi de Pâques", "2027-03-30 08:30"),
])
def test_public_holidays(day: str, name: str, next_opening: str) -> None:
    result = status(rules(), "accueil", paris(f"{day} 10:00"))
    assert not result.open
    assert result.reason == f"public_holiday:{name}"
    assert result.next_opening == paris(next_opening)


@pytest.mark.parametrize(("day", "name"), [
    ("2026-12-26", "Saint-Étienne"),    # a Saturday: open elsewhere in France
    ("2027-03-26", "Vendredi saint"),   # Good Friday
])
def test_alsace_moselle_local_holidays(day: str, name: str) -> None:
    assert status(rules(), "accueil", paris(f"{day} 10:00")).open
    result = status(rules(alsace_moselle=True), "accueil", paris(f"{day} 10:00"))
    assert (result.open, result.reason) == (False, f"public_holiday:{name}")


def test_closure_range_applies_to_its_departments_only() -> None:
    at = paris("2026-08-12 10:00")
    closed = status(rules(), "urbanisme", at)
    assert (closed.open, closed.reason) == (False, "closure:Fermeture estivale")
    assert closed.next_opening == paris("2026-08-17 08:30")  # 15 August is a holiday
    assert status(rules(), "accueil", at).open


def test_special_day_replaces_the_week() -> None:
    assert status(rules(), "accueil", paris("2026-12-24 11:00")).open
    afternoon = status(rules(), "accueil", paris("2026-12-24 14:00"))
    assert (afternoon.open, afternoon.reason) == (False, "outside_hours")
    assert afternoon.next_opening == paris("2026-12-26 09:00")  # 25th is Christmas


def test_next_opening_across_the_spring_dst_change() -> None:
    result = status(rules(), "accueil", paris("2026-03-28 13:00"))  # Saturday, CET
    assert result.next_opening == paris("2026-03-30 08:30")
    assert result.next_opening is not None
    assert result.next_opening.utcoffset() == timedelta(hours=2)  # CEST on Monday
    assert result.next_opening.astimezone(UTC) == datetime(2026, 3, 30, 6, 30, tzinfo=UTC)


@pytest.mark.parametrize(("utc", "is_open"), [
    (datetime(2026, 3, 30, 6, 45, tzinfo=UTC), True),     # 08:45 CEST
    (datetime(2026, 10, 26, 7, 15, tzinfo=UTC), False),   # 08:15 CET, after the autumn change
    (datetime(2026, 10, 26, 7, 45, tzinfo=UTC), True),    # 08:45 CET
])
def test_instants_in_other_zones_use_the_town_wall_clock(utc: datetime, is_open: bool) -> None:
    assert status(rules(), "accueil", utc).open is is_open


def test_answered_by_ivr_is_always_open() -> None:
    result = status(rules(), "horaires", paris("2026-12-25 03:00"))
    assert result.open and result.reason == "open"


def test_no_opening_within_the_horizon() -> None:
    result = status(rules(), "continu", paris("2026-09-07 10:00"))
    assert (result.open, result.next_opening) == (False, None)
    assert result.reason == "closure:Travaux"


def test_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        status(rules(), "accueil", datetime(2026, 12, 2, 10, 0))
