"""The store's answers to the appointment dialogue's questions (``ivr.flow.appointment``).

Each function runs in a worker thread (``ivr.store.answers``); refusals become
``Refused`` with their French sentence, a slot taken meanwhile becomes ``Taken`` with
the next free one, so the caller hears it at once. The booking is linked to the
call's contact when the writer has already stored it.
"""

from __future__ import annotations

from sqlalchemy import select

from ivr.appointments.errors import SlotUnavailable
from ivr.domain.phone_numbers import check_number
from ivr.flow import appointment as q
from ivr.flow.queries import Query
from ivr.requests.errors import RequestError
from ivr.store import appointments
from ivr.store.answers import Handler
from ivr.store.citizens import NewCitizen
from ivr.store.db import Store
from ivr.store.models import Contact
from ivr.store.requests import link_contact

ACTOR = "ivr"
NO_NUMBER = ("Votre numéro de téléphone est masqué : nous ne pouvons pas retrouver votre "
             "rendez-vous. Un conseiller va vous aider.")


def _number(caller: str | None) -> str | None:
    checked = check_number(caller)
    return checked.e164 if checked.ok else None


def free_slot(store: Store, query: q.FreeSlot) -> q.Slot:
    """The next free slot."""
    return q.Slot(appointments.next_free(store, query.rules, query.calendar, query.now,
                                         query.after))


def book(store: Store, query: q.Book) -> q.Booked | q.Taken | q.Refused:
    """Book for the caller (their number finds or creates the citizen; none: refused)."""
    number = _number(query.caller)
    if number is None:  # the dialogue never asks: no limit nor proof without the number
        return q.Refused(q.WITHHELD)
    booking = appointments.Booking(query.calendar, query.start, query.motive, "phone",
                                   NewCitizen(phones=(number,)))
    try:
        view = appointments.book(store, query.rules, booking, at=query.at, actor=ACTOR)
    except SlotUnavailable as exc:
        return q.Taken(exc.next_free)
    except RequestError as exc:
        return q.Refused(exc.message)
    _link(store, query.call_id, view.reference)
    return q.Booked(view.reference, view.start)


def _link(store: Store, call_id: str, reference: str) -> None:
    with store.session() as session:
        contact_id = session.scalar(select(Contact.id).where(Contact.call_id == call_id))
    if contact_id is not None:
        link_contact(store, contact_id, reference)


def lookup(store: Store, query: q.Lookup) -> q.Found | q.Refused:
    """The caller's own appointment, still to come."""
    number = _number(query.caller)
    if number is None:
        return q.Refused(NO_NUMBER)
    try:
        view = appointments.get_appointment(store, query.reference, number)
    except RequestError as exc:
        return q.Refused(exc.message)
    if view.status != appointments.RESERVED or view.start <= query.at:
        return q.Refused("Ce rendez-vous n'est plus modifiable : il est passé ou annulé.")
    return q.Found(view.reference, view.calendar, view.start)


def cancel(store: Store, query: q.Cancel) -> q.Cancelled | q.Refused:
    """Cancel the caller's appointment."""
    try:
        view = appointments.cancel(store, query.rules, query.reference, at=query.at,
                                   actor=ACTOR, phone=_number(query.caller) or "")
    except RequestError as exc:
        return q.Refused(exc.message)
    return q.Cancelled(view.start)


def move(store: Store, query: q.Move) -> q.Booked | q.Taken | q.Refused:
    """Move the caller's appointment; a taken slot keeps the old one."""
    if query.start is None:
        return q.Refused("Aucun nouveau créneau n'a été choisi.")
    try:
        view = appointments.move(store, query.rules, query.reference, query.start,
                                 at=query.at, actor=ACTOR, phone=_number(query.caller) or "")
    except SlotUnavailable as exc:
        return q.Taken(exc.next_free)
    except RequestError as exc:
        return q.Refused(exc.message)
    return q.Booked(view.reference, view.start)


ANSWERS: dict[type[Query], Handler] = {
    q.FreeSlot: free_slot, q.Book: book, q.Lookup: lookup, q.Cancel: cancel, q.Move: move,
}
