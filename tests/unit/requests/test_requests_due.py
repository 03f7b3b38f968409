"""Due dates in working days: weekends, public holidays, Alsace-Moselle, closures, clock stops."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from ivr.requests.due import add_working_days, due_at, pushed_back, working_days_between
from ivr.rules import Closure
from tests.fixtures.requests import PARIS, RULES, alsace, at, with_closure

CASES = {
    # (created on, delay) → due day
    "over Christmas": (date(2026, 12, 23), 2, date(2026, 12, 28)),
    "created on a Saturday": (date(2026, 12, 5), 1, date(2026, 12, 7)),
    "1 May on a Friday": (date(2026, 4, 30), 1, date(2026, 5, 4)),
    "Ascension and its bridge closure": (date(2027, 5, 5), 1, date(2027, 5, 10)),
    "New Year": (date(2026, 12, 31), 1, date(2027, 1, 4)),
    "thirty days": (date(2026, 12, 21), 30, date(2027, 2, 3)),
}


@pytest.mark.parametrize("case", list(CASES))
def test_add_working_days(case: str) -> None:
    start, days, expected = CASES[case]
    assert add_working_days(RULES, "etat-civil", start, days) == expected


def test_alsace_moselle_adds_saint_etienne_and_good_friday() -> None:
    # 26 December 2025 is a Friday; Good Friday 2027 is 26 March (Easter Monday 29 March)
    assert add_working_days(RULES, "accueil", date(2025, 12, 24), 1) == date(2025, 12, 26)
    assert add_working_days(alsace(), "accueil", date(2025, 12, 24), 1) == date(2025, 12, 29)
    assert add_working_days(RULES, "accueil", date(2027, 3, 25), 1) == date(2027, 3, 26)
    assert add_working_days(alsace(), "accueil", date(2027, 3, 25), 1) == date(2027, 3, 30)


def test_a_closure_counts_only_for_its_departments() -> None:
    summer = date(2027, 8, 6)  # urbanisme is closed 9-20 August 2027 in the shipped rules
    assert add_working_days(RULES, "urbanisme", summer, 1) == date(2027, 8, 23)
    assert add_working_days(RULES, "etat-civil", summer, 1) == date(2027, 8, 9)
    strike = with_closure(Closure(date=date(2026, 12, 2), reason="grève"))
    assert add_working_days(strike, "etat-civil", date(2026, 12, 1), 1) == date(2026, 12, 3)


def test_due_at_is_the_end_of_the_day_in_town_time() -> None:
    due = due_at(RULES, "etat-civil", datetime(2026, 12, 23, 22, 30, tzinfo=PARIS), 2)
    assert due == datetime.combine(date(2026, 12, 28), time(23, 59, 59), tzinfo=PARIS)
    # 23:30 UTC on 31 March is already 1 April in Paris: counting starts from 1 April
    late_evening = datetime.fromisoformat("2027-03-31T23:30:00+00:00")
    assert due_at(RULES, "etat-civil", late_evening, 1).date() == date(2027, 4, 2)


def test_a_clock_stop_pushes_back_by_its_working_days() -> None:
    due = due_at(RULES, "titres-identite", at(date(2026, 12, 21)), 30)
    # stopped on Tuesday 22 December, resumed Tuesday 29: 23, 24, 28, 29 December
    assert working_days_between(RULES, "titres-identite", at(date(2026, 12, 22)),
                                at(date(2026, 12, 29))) == 4
    pushed = pushed_back(RULES, "titres-identite", due, at(date(2026, 12, 22)),
                         at(date(2026, 12, 29)))
    assert (due.date(), pushed.date()) == (date(2027, 2, 3), date(2027, 2, 9))
    same_day = pushed_back(RULES, "titres-identite", due, at(date(2026, 12, 22), 9),
                           at(date(2026, 12, 22), 17))
    assert same_day == due
