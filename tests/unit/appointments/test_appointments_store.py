"""Appointments in the store, on SQLite and PostgreSQL: a slot is held once, enforced
by the database; cancel, move, mark, limits and refusals write nothing half-way."""

from __future__ import annotations

import contextlib
import threading
from datetime import timedelta
from itertools import islice

import pytest
from sqlalchemy import func, select

from ivr.appointments import slots
from ivr.appointments.errors import MotiveNotAllowed, NotYours, SlotUnavailable, TooManyAppointments
from ivr.requests.errors import InvalidInput
from ivr.store import appointments as ap
from ivr.store.citizens import NewCitizen
from ivr.store.db import Store
from ivr.store.models import Appointment, Request
from ivr.store.requests import get_request
from tests.fixtures.appointments import MONDAY_9H, paris
from tests.fixtures.requests import RULES

TUESDAY_14H = paris(2026, 12, 1, 14)
PHONE = "+33612345678"


def booking(start=TUESDAY_14H, phone: str | None = PHONE, motive="projet", **kw) -> ap.Booking:
    citizen = NewCitizen(phones=(phone,)) if phone else None
    return ap.Booking("maire", start, motive, citizen=citizen, **kw)


def book(store: Store, **kw) -> ap.AppointmentView:
    return ap.book(store, RULES, booking(**kw), at=MONDAY_9H, actor="test")


def counts(store: Store) -> tuple[int, int]:
    with store.session() as session:
        return (session.scalar(select(func.count()).select_from(Request)) or 0,
                session.scalar(select(func.count()).select_from(Appointment)) or 0)


def test_a_booking_is_a_request_of_the_calendar_s_type_with_its_slot(store: Store) -> None:
    view = book(store)
    assert (view.calendar, view.start, view.status, view.motive) == (
        "maire", TUESDAY_14H, "reserve", "projet")
    assert view.end - view.start == timedelta(minutes=30)
    request = get_request(store, view.reference)
    assert (request.type, request.department) == ("rendez-vous-agenda-elu", "cabinet-maire")
    assert ap.next_free(store, RULES, "maire", MONDAY_9H) == paris(2026, 12, 1, 14, 30)
    assert [a.reference for a in ap.agenda(store, "maire", MONDAY_9H, MONDAY_9H +
                                           timedelta(days=7))] == [view.reference]


def test_a_taken_slot_is_refused_with_the_next_free_one(store: Store) -> None:
    book(store)
    with pytest.raises(SlotUnavailable) as refused:
        book(store, phone="+33698765432")
    assert refused.value.code == "taken"
    assert refused.value.next_free == paris(2026, 12, 1, 14, 30)
    assert counts(store) == (1, 1)  # nothing written for the refused one


def test_simultaneous_bookings_of_one_slot_make_exactly_one(store: Store) -> None:
    """The database decides: every writer passes the read check at the same instant."""
    writers, barrier = 8, threading.Barrier(8)
    results: list[object] = []
    real_check = ap._check_slot

    def check_then_wait(*args, **kwargs):  # all read "free" before anyone writes
        real_check(*args, **kwargs)
        barrier.wait(10)

    def run(i: int) -> None:
        try:
            results.append(book(store, phone=f"+3361234560{i}"))
        except SlotUnavailable as exc:
            results.append(exc)

    ap._check_slot = check_then_wait  # type: ignore[assignment]
    try:
        threads = [threading.Thread(target=run, args=(i,)) for i in range(writers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        ap._check_slot = real_check  # type: ignore[assignment]
    booked = [r for r in results if isinstance(r, ap.AppointmentView)]
    refused = [r for r in results if isinstance(r, SlotUnavailable)]
    assert len(booked) == 1 and len(refused) == writers - 1
    assert {r.next_free for r in refused} == {paris(2026, 12, 1, 14, 30)}
    assert counts(store) == (1, 1)


def test_a_search_reads_the_booked_slots_week_by_week_and_finds_the_same(store: Store) -> None:
    """The first week full, a search of 20 slots spans three weeks: the same slots as the
    pure walk over every booked instant."""
    week = [start for start in slots.free_slots(RULES, "maire", (), MONDAY_9H)
            if start < paris(2026, 12, 7, 0)]
    for start in week:
        book(store, start=start, phone=None)
    expected = list(islice(slots.free_slots(RULES, "maire", week, MONDAY_9H), 20))
    assert ap.free_slots(store, RULES, "maire", MONDAY_9H, limit=20) == expected
    assert expected[0] == paris(2026, 12, 8, 14) and expected[-1].date().isoformat() == "2026-12-17"
    after = paris(2026, 12, 9, 12)  # a search from later on
    assert ap.free_slots(store, RULES, "maire", MONDAY_9H, after=after, limit=3) == \
        list(islice(slots.free_slots(RULES, "maire", week, MONDAY_9H, after), 3))


@pytest.mark.parametrize(("start", "code"), [
    (paris(2026, 11, 30, 8), "past"), (paris(2026, 12, 1, 14, 10), "outside"),
    (paris(2026, 12, 25, 14), "closed"), (paris(2027, 6, 1, 14), "horizon")])
def test_a_slot_outside_the_calendar_is_refused(store: Store, start, code) -> None:
    with pytest.raises(SlotUnavailable) as refused:
        book(store, start=start)
    assert refused.value.code == code and refused.value.message
    assert counts(store) == (0, 0)


def test_a_motive_the_calendar_does_not_take_is_refused(store: Store) -> None:
    with pytest.raises(MotiveNotAllowed, match="n'est pas proposé"):
        book(store, motive="retrait")  # a motive of the counter, not of the maire
    with pytest.raises(InvalidInput, match="Agenda inconnu"):
        ap.book(store, RULES, ap.Booking("nobody", TUESDAY_14H, "projet"), at=MONDAY_9H,
                actor="t")
    assert counts(store) == (0, 0)


def test_a_citizen_holds_at_most_n_future_appointments_per_calendar(store: Store) -> None:
    book(store)
    book(store, start=paris(2026, 12, 1, 14, 30))
    with pytest.raises(TooManyAppointments, match="déjà 2 rendez-vous"):
        book(store, start=paris(2026, 12, 1, 15))
    assert counts(store) == (2, 2)
    book(store, phone=None, start=paris(2026, 12, 1, 15))  # nobody known: no limit to apply


def test_simultaneous_bookings_by_one_citizen_respect_the_limit(store: Store) -> None:
    """Every booker counts, then waits for the others before writing: without the
    citizen's row locked, all would count 0 and all would book."""
    counter = ap.Booking("titres-identite", paris(2026, 12, 2, 9), "retrait",
                         citizen=NewCitizen(phones=(PHONE,)))
    ap.book(store, RULES, counter, at=MONDAY_9H, actor="test")  # the citizen exists
    bookers, barrier = 6, threading.Barrier(6)
    results: list[object] = []
    real_held = ap._held

    def held_then_wait(*args, **kwargs):
        count = real_held(*args, **kwargs)
        # broken after 1 s when the others wait on the lock (serialised), then at once
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(1)
        return count

    def run(i: int) -> None:
        try:
            results.append(book(store, start=paris(2026, 12, 3, 14) + timedelta(minutes=30 * i)))
        except TooManyAppointments as exc:
            results.append(exc)

    ap._held = held_then_wait  # type: ignore[assignment]
    try:
        threads = [threading.Thread(target=run, args=(i,)) for i in range(bookers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        ap._held = real_held  # type: ignore[assignment]
    booked = [r for r in results if isinstance(r, ap.AppointmentView)]
    assert len(results) == bookers
    assert len(booked) == RULES.appointments.max_future_per_citizen
    assert counts(store) == (1 + len(booked), 1 + len(booked))


def test_cancelling_frees_the_slot_and_checks_the_caller(store: Store) -> None:
    view = book(store)
    with pytest.raises(NotYours):
        ap.cancel(store, RULES, view.reference, at=MONDAY_9H, actor="t", phone="+33698765432")
    cancelled = ap.cancel(store, RULES, view.reference, at=MONDAY_9H, actor="t", phone=PHONE)
    assert cancelled.status == "annule"
    assert ap.next_free(store, RULES, "maire", MONDAY_9H) == TUESDAY_14H
    again = book(store, phone="+33698765432")  # the slot can be booked again
    assert again.start == TUESDAY_14H
    with pytest.raises(SlotUnavailable, match="plus modifiable"):
        ap.cancel(store, RULES, view.reference, at=MONDAY_9H, actor="t")


def test_a_move_to_a_taken_slot_keeps_the_old_one(store: Store) -> None:
    mine = book(store)
    book(store, phone="+33698765432", start=paris(2026, 12, 1, 15))
    with pytest.raises(SlotUnavailable) as refused:
        ap.move(store, RULES, mine.reference, paris(2026, 12, 1, 15), at=MONDAY_9H, actor="t")
    assert refused.value.code == "taken"
    assert ap.get_appointment(store, mine.reference).start == TUESDAY_14H
    moved = ap.move(store, RULES, mine.reference, paris(2026, 12, 3, 16), at=MONDAY_9H,
                    actor="t", phone=PHONE)
    assert (moved.start, moved.end - moved.start) == (paris(2026, 12, 3, 16),
                                                     timedelta(minutes=30))
    assert ap.next_free(store, RULES, "maire", MONDAY_9H) == TUESDAY_14H


def test_absences_count_in_the_no_show_rate(store: Store) -> None:
    first, second = book(store), book(store, start=paris(2026, 12, 1, 14, 30))
    later = paris(2026, 12, 1, 18)
    with pytest.raises(InvalidInput, match="pas encore eu lieu"):
        ap.mark(store, RULES, first.reference, "absent", at=MONDAY_9H, actor="t")
    ap.mark(store, RULES, first.reference, "absent", at=later, actor="t")
    ap.mark(store, RULES, second.reference, "honore", at=later, actor="t")
    assert ap.no_show_rate(store, MONDAY_9H, later) == (1, 2)
