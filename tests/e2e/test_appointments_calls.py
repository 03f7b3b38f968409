"""Appointments booked by real SIPp calls through Asterisk and the IVR: a caller books
the first free slot, the store and the agenda show it, then cancels by phone with the
reference. SQLite: the booking's constraints and races run on both databases in
tests/unit/appointments, the 50 callers racing for one slot in test_appointments_race.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from ivr.simulate import AgentPhone
from ivr.sipp.scenario import Dtmf, Wait
from ivr.store import appointments as ap
from ivr.store.db import Store
from tests.fixtures.stack import running_stack
from townhall_support.stack import OPEN_CLOCK, Stack

pytestmark = pytest.mark.e2e

FIRST = datetime.fromisoformat("2026-12-03T14:00:00+01:00")  # 24 h notice from Tuesday 10:00
# 5 (autre chose), 3 (vie municipale), 2 (rendez-vous), 1 (le maire), 3 (une association);
# the slot is offered once the store answered, then 1 books it
TO_OFFER = [Wait(1), Dtmf("5"), Wait(2), Dtmf("3"), Wait(2), Dtmf("2"), Wait(3), Dtmf("1"),
            Wait(3), Dtmf("3"), Wait(8)]


@pytest.fixture(scope="module")
def appt_stack(tmp_path_factory: pytest.TempPathFactory, agent: AgentPhone) -> Iterator[Stack]:
    with running_stack(tmp_path_factory, agent, clock=OPEN_CLOCK) as running:
        yield running


def booked(stack: Stack) -> list[ap.AppointmentView]:
    store = Store(stack.settings.db_url)
    try:
        return ap.agenda(store, "maire", FIRST - timedelta(days=2), FIRST + timedelta(days=60))
    finally:
        store.dispose()


def kinds(stack: Stack, ref: str) -> list[str]:
    contact = stack.contact(ref, wait=20, until=lambda c: c["outcome"] is not None)
    assert contact is not None, stack.app_log()
    return [e["kind"] for e in contact["events"]]


def test_a_caller_books_then_cancels(appt_stack: Stack) -> None:
    # one caller books the first free slot
    result = appt_stack.call(steps=[*TO_OFFER, Dtmf("1"), Wait(12)], hold_seconds=2,
                             caller="0612345678")
    assert result.answered, result.error
    assert "appointment_booked" in kinds(appt_stack, result.ref), appt_stack.app_log()
    first = booked(appt_stack)
    assert [(a.start, a.status, a.channel) for a in first] == [(FIRST, "reserve", "phone")]
    reference = first[0].reference

    # the first caller cancels by phone: 9, the reference, 1
    steps = [Wait(1), Dtmf("5"), Wait(2), Dtmf("3"), Wait(2), Dtmf("2"), Wait(3), Dtmf("9"),
             Wait(3),
             Dtmf(reference), Wait(8), Dtmf("1"), Wait(8)]
    cancelled = appt_stack.call(steps=steps, hold_seconds=2, caller="0612345678")
    assert "appointment_cancelled" in kinds(appt_stack, cancelled.ref), appt_stack.app_log()
    assert FIRST not in [a.start for a in booked(appt_stack)]
