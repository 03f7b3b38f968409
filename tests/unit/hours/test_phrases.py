"""French phrases for the voice: next opening and weekly hours."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from ivr.domain.hours import describe_hours, describe_next_opening, spoken_date, spoken_time
from tests.fixtures.hours import paris, rules


@pytest.mark.parametrize(("opening", "now", "phrase"), [
    ("2026-12-02 13:30", "2026-12-02 12:10", "aujourd'hui à 13 heures 30"),
    ("2026-12-03 08:30", "2026-12-02 18:00", "demain à 8 heures 30"),
    ("2027-01-04 08:30", "2026-12-31 18:00", "lundi 4 janvier à 8 heures 30"),
    ("2027-10-01 09:00", "2027-09-28 18:00", "vendredi 1er octobre à 9 heures"),
])
def test_describe_next_opening(opening: str, now: str, phrase: str) -> None:
    assert describe_next_opening(paris(opening), paris(now)) == phrase


def test_now_in_utc_is_compared_in_the_town_day() -> None:
    late = datetime(2026, 12, 2, 23, 30, tzinfo=UTC)  # already 3 December in Paris
    assert describe_next_opening(paris("2026-12-03 08:30"), late) == "aujourd'hui à 8 heures 30"


def test_units() -> None:
    assert spoken_time(time(1, 5)) == "1 heure 05"
    assert spoken_time(time(12)) == "12 heures"
    assert spoken_date(date(2026, 8, 15)) == "samedi 15 août"


def test_describe_hours_groups_days() -> None:
    assert describe_hours(rules(), "accueil") == (
        "Horaires d'ouverture de l'accueil : du lundi au vendredi, de 8 heures 30 à 12 heures "
        "et de 13 heures 30 à 17 heures 30 ; le samedi, de 9 heures à 12 heures, "
        "sauf les jours fériés."
    )


def test_describe_hours_contracts_the_article() -> None:
    assert describe_hours(rules(), "urbanisme").startswith(
        "Horaires d'ouverture du service de l'urbanisme : ")
    assert describe_hours(rules(), "continu").startswith(
        "Horaires d'ouverture des services continus : le lundi, de 8 heures à 12 heures et de "
        "12 heures à 14 heures")
