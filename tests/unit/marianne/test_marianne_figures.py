"""The Marianne figures over a store seeded with known data, each figure worked by hand."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ivr.marianne.figures import CallRow, Rows, access, figures, trend
from ivr.marianne.months import InvalidMonth, Month, trend_months
from ivr.store.db import Store
from ivr.store.marianne import dashboard_rows
from tests.fixtures.marianne import NOVEMBER, NOW, seed
from tests.fixtures.requests import PARIS

pytestmark = pytest.mark.pg


def test_november_figures_match_the_hand_computation(store: Store) -> None:
    seed(store)
    board = figures(dashboard_rows(store, *NOVEMBER), *NOVEMBER, NOW)
    a = board.access
    # 7 calls: 3 answered, 1 self-service, 1 outside hours, 1 abandoned in the menu,
    # 1 abandoned waiting → 4 wanted an agent, 3 picked up; waits 10/30/50 → median 30
    assert (a.calls, a.picked_up, a.self_service, a.outside_hours) == (7, 3, 1, 1)
    assert (a.abandoned_menu, a.abandoned_queue, a.wanting_agent) == (1, 1, 4)
    assert a.pickup_rate == 3 / 4 and a.median_wait_seconds == 30.0
    s = board.satisfaction
    # scores 5, 4, 2 (one survey without a score): mean 11/3, satisfied 2/3, answer 2/3
    assert (s.offered, s.responses, s.mean) == (4, 3, 3.67)
    assert s.satisfied_rate == 2 / 3 and s.got_answer_rate == 2 / 3
    civil, town = board.by_department["etat-civil"], board.by_department["urbanisme"]
    assert (civil.responses, civil.mean, civil.satisfied_rate, civil.got_answer_rate) == (
        2, 4.5, 1.0, 0.5)
    assert (town.offered, town.responses, town.mean, town.satisfied_rate) == (2, 1, 2.0, 0.0)
    d = board.delays
    # closed in November: C1 ✓, C2 ✗, C5 ✗, S1 ✓, S2 ✓, P ✗ (due the 5th, closed the 10th)
    assert (d.answered, d.within_delay, d.within_delay_rate) == (6, 3, 0.5)
    # callbacks: 4 promised, 1 done before its promise
    assert (d.callbacks_promised, d.callbacks_kept, d.callbacks_kept_rate) == (4, 1, 0.25)
    c = board.complaints
    # received C1-C4; acknowledgement measured on C1, C2, C3 (C4 not due yet), C1 in time
    assert (c.received, c.acknowledged_measured, c.acknowledged_in_time) == (4, 3, 1)
    assert c.acknowledged_rate == 1 / 3
    # answered C1 (in time), C2 and C5 (late); open on 1 December C3, C4; late C3
    assert (c.answered, c.answered_in_time, c.answered_rate) == (3, 1, 1 / 3)
    assert (c.open, c.late) == (2, 1)
    g = board.suggestions
    assert (g.received, g.answered, g.adopted) == (3, 2, 1)
    assert not board.empty


def test_trend_by_month_and_an_empty_month(store: Store) -> None:
    seed(store)
    months = trend_months(Month(2026, 11), 3)
    since, _ = months[0].bounds(PARIS)
    _, until = months[-1].bounds(PARIS)
    series = trend(dashboard_rows(store, since, until), months, PARIS, NOW)
    assert [str(m) for m, _ in series] == ["2026-09", "2026-10", "2026-11"]
    september, october, november = (f for _, f in series)
    assert september.empty and september.access.pickup_rate is None
    assert september.satisfaction.mean is None and september.complaints.acknowledged_rate is None
    assert (october.access.calls, october.access.pickup_rate) == (1, 1.0)
    # C5 received in October, acknowledgement not tracked before its answer: measured 1 (
    # acknowledged on answering, 4 November, after its deadline)
    assert (october.complaints.received, october.complaints.acknowledged_in_time) == (1, 0)
    assert november.access.calls == 7


def test_no_data_at_all_divides_by_nothing() -> None:
    board = figures(Rows(), datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC),
                    datetime(2026, 3, 1, tzinfo=UTC))
    assert board.empty
    assert board.access.pickup_rate is None and board.delays.within_delay_rate is None
    assert board.by_department == {} and board.suggestions.adopted == 0


@pytest.mark.parametrize("text", ["2026-13", "2026-1", "novembre", "", "1999-12", "9999-12"])
def test_a_bad_month_is_refused_in_french(text: str) -> None:
    with pytest.raises(InvalidMonth, match="Mois invalide"):
        Month.parse(text)


def test_months_cross_the_year() -> None:
    assert [str(m) for m in trend_months(Month(2027, 2), 4)] == [
        "2026-11", "2026-12", "2027-01", "2027-02"]
    assert Month.parse("2026-11").label == "novembre 2026"


def test_calls_put_through_to_a_closed_department_count_outside_hours() -> None:
    """A voicemail or a callback offer reached because the department was closed is not
    a call an agent failed to pick up; a booking by phone is self-service."""
    at = datetime(2026, 11, 2, 9, tzinfo=PARIS)
    calls = (CallRow(at, "answered", 12.0), CallRow(at, "voicemail", None, "closed"),
             CallRow(at, "callback_requested", None, "closed"), CallRow(at, "voicemail", 90.0),
             CallRow(at, "appointment", None), CallRow(at, "closed", None, "closed"))
    a = access(calls, *NOVEMBER)
    # 6 calls: 3 outside hours, 1 self-service → 2 wanted an agent (the answered one and
    # the one that overflowed to voicemail while open), 1 picked up
    assert (a.outside_hours, a.self_service, a.wanting_agent, a.picked_up) == (3, 1, 2, 1)
    assert a.pickup_rate == 1 / 2
