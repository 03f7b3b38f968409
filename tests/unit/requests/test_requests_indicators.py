"""Indicators per type and department: volume, backlog, late, median time, within the delay."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ivr.store import requests as repo
from ivr.store.db import Store
from ivr.store.request_indicators import indicators
from tests.fixtures.requests import RULES, at

pytestmark = pytest.mark.pg
MONDAY = date(2026, 12, 7)


def make(store: Store, type_id: str, day: date) -> str:
    return repo.create_request(store, RULES, type_id=type_id, at=at(day), actor="a").reference


def test_indicators_per_type_and_department(store: Store) -> None:
    on_time = make(store, "signalement-proprete", MONDAY)  # due Thursday 10
    late = make(store, "signalement-proprete", MONDAY)
    make(store, "signalement-proprete", MONDAY)  # still open, late by the 20th
    make(store, "reclamation", MONDAY - timedelta(days=30))  # before the period, still open
    repo.change_status(store, RULES, on_time, "resolu", actor="a", at=at(MONDAY + timedelta(2)))
    repo.change_status(store, RULES, late, "resolu", actor="a", at=at(MONDAY + timedelta(4)))
    rows = indicators(store, since=at(MONDAY, 0), until=at(MONDAY + timedelta(7), 0),
                      now=at(date(2026, 12, 20)), rules=RULES)
    by_key = {(r.type, r.department): r for r in rows}
    cleaning = by_key[("signalement-proprete", "technique")]
    assert (cleaning.volume, cleaning.backlog, cleaning.late, cleaning.answered) == (3, 1, 1, 2)
    assert (cleaning.median_days, cleaning.within_delay) == (3.0, 0.5)
    assert cleaning.median_working_days == 3.0  # Monday → Wednesday, Monday → Friday
    complaint = by_key[("reclamation", "reclamations")]
    assert (complaint.volume, complaint.backlog, complaint.late, complaint.answered) == (0, 1, 1, 0)
    assert complaint.median_days is None and complaint.to_dict()["within_delay"] is None
    assert [r.department for r in rows] == ["reclamations", "technique"]


def test_the_working_day_median_skips_christmas_and_the_weekend(store: Store) -> None:
    eve = date(2026, 12, 24)  # a Thursday: Friday 25 is a holiday, then the weekend
    answered = make(store, "signalement-proprete", eve)
    repo.change_status(store, RULES, answered, "resolu", actor="a",
                       at=at(eve + timedelta(days=4)))
    [row] = indicators(store, since=at(eve, 0), until=at(eve + timedelta(7), 0),
                       now=at(eve + timedelta(7)), rules=RULES)
    assert (row.median_days, row.median_working_days) == (4.0, 1)  # only Monday 28 works
    [without] = indicators(store, since=at(eve, 0), until=at(eve + timedelta(7), 0),
                           now=at(eve + timedelta(7)))
    assert without.median_working_days is None
