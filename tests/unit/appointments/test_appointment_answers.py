"""The store answers the phone dialogue's questions: a lost race is « taken » with the
next free slot, refusals carry their French sentence, the call's contact is linked."""

from __future__ import annotations

from sqlalchemy import select

from ivr.app import ANSWERS
from ivr.flow import appointment as a
from ivr.store import appointment_answers as answers
from ivr.store.db import Store
from ivr.store.models import Contact, Request
from tests.fixtures.appointments import MONDAY_9H, paris
from tests.fixtures.requests import RULES

TUESDAY_14H = paris(2026, 12, 1, 14)


def booked(store: Store, caller: str | None, call_id: str = "call-1") -> object:
    return answers.book(store, a.Book(RULES, "maire", "projet", TUESDAY_14H, caller, call_id,
                                      MONDAY_9H))


def test_every_question_of_the_dialogue_has_an_answer() -> None:
    queries = {a.FreeSlot, a.Book, a.Lookup, a.Cancel, a.Move}
    assert queries <= set(ANSWERS)


def test_book_then_lost_race_then_cancel_by_phone(store: Store) -> None:
    with store.session() as session:
        session.add(Contact(call_id="call-1", started_at=MONDAY_9H))
    first = booked(store, "0612345678")
    assert isinstance(first, a.Booked)
    with store.session() as session:
        contact = session.scalars(select(Contact)).one()
        request = session.scalars(select(Request)).one()
        assert contact.request_id == request.id
    assert booked(store, "0698765432", "call-2") == a.Taken(paris(2026, 12, 1, 14, 30))
    assert answers.free_slot(store, a.FreeSlot(RULES, "maire", MONDAY_9H)) == \
        a.Slot(paris(2026, 12, 1, 14, 30))
    anonymous = answers.book(store, a.Book(RULES, "maire", "projet", paris(2026, 12, 3, 14),
                                           None, "call-3", MONDAY_9H))
    assert isinstance(anonymous, a.Refused) and "masqué" in anonymous.message
    hidden = answers.lookup(store, a.Lookup(RULES, first.reference, None, MONDAY_9H))
    assert isinstance(hidden, a.Refused) and "masqué" in hidden.message
    other = answers.lookup(store, a.Lookup(RULES, first.reference, "0698765432", MONDAY_9H))
    assert isinstance(other, a.Refused) and "pas été pris avec ce numéro" in other.message
    found = answers.lookup(store, a.Lookup(RULES, first.reference, "0612345678", MONDAY_9H))
    assert found == a.Found(first.reference, "maire", TUESDAY_14H)
    assert answers.cancel(store, a.Cancel(RULES, first.reference, "0612345678", MONDAY_9H)) == \
        a.Cancelled(TUESDAY_14H)
    assert answers.free_slot(store, a.FreeSlot(RULES, "maire", MONDAY_9H)) == a.Slot(TUESDAY_14H)


def test_move_by_phone_keeps_the_old_slot_when_the_new_one_is_taken(store: Store) -> None:
    mine = booked(store, "0612345678")
    answers.book(store, a.Book(RULES, "maire", "projet", paris(2026, 12, 3, 14), "0698765432",
                               "call-2", MONDAY_9H))
    taken = answers.move(store, a.Move(RULES, mine.reference, "0612345678", MONDAY_9H,
                                       paris(2026, 12, 3, 14)))
    assert taken == a.Taken(paris(2026, 12, 3, 14, 30))
    assert answers.lookup(store, a.Lookup(RULES, mine.reference, "0612345678",
                                          MONDAY_9H)).start == TUESDAY_14H
