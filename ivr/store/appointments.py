"""Appointments in the store: free slots, book, move, cancel, mark, agendas, no-shows.

An appointment is a request of a ``rendez-vous-*`` type (statuses reserve, honore,
annule, absent) plus one ``appointments`` row holding its slot, created in the same
transaction. « Never twice » is the database's: a partial unique index on (calendar,
start) among the rows not cancelled refuses the second of two simultaneous
bookings, whatever was read before; the loser gets ``SlotUnavailable`` with the next
free slot. Reading the booked slots first only gives better messages. The limit of
future appointments per citizen is counted with the citizen's row locked, so two
simultaneous bookings by one person cannot both pass it.

Each change takes an optional ``audit(session)``, called inside its transaction: the
admin's audit line is committed with the change, or not at all.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ivr.appointments import slots
from ivr.appointments.errors import (
    MotiveNotAllowed,
    NotYours,
    SlotUnavailable,
    TooManyAppointments,
)
from ivr.requests.errors import InvalidInput, UnknownReference
from ivr.requests.reference import grouped, normalise
from ivr.rules import Rules
from ivr.rules.appointments import AppointmentCalendar
from ivr.store.citizens import NewCitizen, citizen_ids
from ivr.store.db import Store
from ivr.store.models import Appointment, Citizen, Request
from ivr.store.requests import (
    REFERENCE_ATTEMPTS,
    _actor,
    _move,
    _owner,
    insert_request,
    is_clash,
    request_values,
)

RESERVED, HONOURED, CANCELLED, ABSENT = "reserve", "honore", "annule", "absent"
Audit = Callable[[Session], None] | None
SEARCH_DAYS = 7  # days of booked instants read at once by a free-slot search
_SLOT_INDEX = ("uq_appointments_calendar_start_active", "appointments.calendar, appointments.start")


@dataclass(frozen=True)
class AppointmentView:
    """An appointment as the admin, the API and the phone show it."""

    reference: str
    calendar: str
    start: datetime
    end: datetime
    motive: str
    status: str
    channel: str
    citizen_id: int | None
    subject: str | None
    sync_state: str
    sync_error: str | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (ISO instants)."""
        return {"reference": self.reference, "calendar": self.calendar,
                "start": self.start.isoformat(), "end": self.end.isoformat(),
                "motive": self.motive, "status": self.status, "channel": self.channel,
                "sync_state": self.sync_state}


def _view(row: Appointment) -> AppointmentView:
    req = row.request
    return AppointmentView(req.reference, row.calendar, row.start, row.end, row.motive,
                           req.status, req.channel, req.citizen_id, req.subject,
                           row.sync_state, row.sync_error)


def _calendar(rules: Rules, calendar_id: str) -> AppointmentCalendar:
    try:
        return slots.calendar(rules, calendar_id)
    except KeyError:
        raise InvalidInput(f"Agenda inconnu : « {calendar_id} ».") from None


def booked_starts(session: Session, calendar_id: str, since: datetime,
                  until: datetime | None = None) -> list[datetime]:
    """Start instants of the appointments not cancelled on ``calendar_id`` from ``since``."""
    query = select(Appointment.start).where(Appointment.calendar == calendar_id,
                                            Appointment.cancelled_at.is_(None),
                                            Appointment.start >= since)
    if until is not None:
        query = query.where(Appointment.start < until)
    return list(session.scalars(query))


def _window_end(rules: Rules, since: datetime, latest: datetime) -> datetime:
    """Midnight (town time) ``SEARCH_DAYS`` after ``since``'s day, at most ``latest``."""
    zone = rules.town.zone
    day = since.astimezone(zone).date() + timedelta(days=SEARCH_DAYS)
    return min(datetime.combine(day, time(0), tzinfo=zone), latest)


def free_slots(store: Store, rules: Rules, calendar_id: str, now: datetime, *,
               after: datetime | None = None, limit: int = 10) -> list[datetime]:
    """The first ``limit`` free slots of ``calendar_id`` after ``after`` (or the notice).

    The booked instants are read a week at a time, as far as the search goes: reading
    the whole horizon (three months of a busy counter) cost more than the walk itself."""
    _calendar(rules, calendar_id)
    earliest, latest = slots.bounds(rules, calendar_id, now)
    found: list[datetime] = []
    since, exclusive = max(earliest, after or earliest), after
    with store.session() as session:
        while len(found) < limit and since < latest:
            until = _window_end(rules, since, latest)
            booked = booked_starts(session, calendar_id, since, until)
            for start in slots.free_slots(rules, calendar_id, booked, now, exclusive):
                if start >= until or len(found) >= limit:
                    break
                found.append(start)
            # the next window starts at ``until``: slots fall on whole minutes
            since, exclusive = until, until - timedelta(seconds=1)
    return found


def next_free(store: Store, rules: Rules, calendar_id: str, now: datetime,
              after: datetime | None = None) -> datetime | None:
    """The first free slot after ``after`` (or the notice), None when the horizon is full."""
    found = free_slots(store, rules, calendar_id, now, after=after, limit=1)
    return found[0] if found else None


def _check_slot(session: Session, rules: Rules, calendar_id: str, start: datetime,
                now: datetime, store: Store) -> None:
    booked = booked_starts(session, calendar_id, start, start + timedelta(seconds=1))
    problem = slots.problem(rules, calendar_id, start, booked, now)
    if problem is not None:
        after = start if problem.code == "taken" else None
        raise SlotUnavailable(problem.message, problem.code,
                              next_free(store, rules, calendar_id, now, after))


def _lock_citizen(session: Session, citizen_id: int) -> None:
    """Take the citizen's row for the rest of the transaction, so that two bookings by
    the same person are counted one after the other, never both against the same
    count: PostgreSQL locks the row until commit, SQLite's first write takes the
    database's write lock (its reads before a write are outside any transaction)."""
    session.execute(update(Citizen).where(Citizen.id == citizen_id)
                    .values(id=Citizen.id, updated_at=Citizen.updated_at)
                    .execution_options(synchronize_session=False))


def _held(session: Session, calendar_id: str, citizen_id: int, now: datetime) -> int:
    """The citizen's future appointments on ``calendar_id``, not cancelled."""
    return session.scalar(select(func.count()).select_from(Appointment)
                          .join(Request, Request.id == Appointment.request_id)
                          .where(Request.citizen_id == citizen_id,
                                 Appointment.calendar == calendar_id,
                                 Appointment.cancelled_at.is_(None),
                                 Appointment.start > now)) or 0


def _limit(session: Session, rules: Rules, calendar_id: str, citizen_id: int | None,
           now: datetime) -> None:
    if citizen_id is None:
        return
    _lock_citizen(session, citizen_id)
    most = rules.appointments.max_future_per_citizen
    if _held(session, calendar_id, citizen_id, now) >= most:
        raise TooManyAppointments(
            f"Vous avez déjà {most} rendez-vous à venir dans cet agenda : annulez-en un "
            "avant d'en prendre un autre.")


def _is_slot_clash(exc: IntegrityError) -> bool:
    return any(name in str(exc.orig) for name in _SLOT_INDEX)


def _taken(store: Store, rules: Rules, calendar_id: str, start: datetime,
           now: datetime) -> SlotUnavailable:
    return SlotUnavailable("Ce créneau vient d'être réservé par quelqu'un d'autre.", "taken",
                           next_free(store, rules, calendar_id, now, start))


@dataclass(frozen=True)
class Booking:
    """What ``book`` records; ``citizen`` is found or created with the request."""

    calendar: str
    start: datetime
    motive: str
    channel: str = "phone"
    citizen: NewCitizen | None = None
    citizen_id: int | None = None
    subject: str | None = None


def book(store: Store, rules: Rules, booking: Booking, *, at: datetime, actor: str,
         rng: random.Random | None = None, audit: Audit = None) -> AppointmentView:
    """Book ``booking.start`` on its calendar: the request and its slot in one transaction."""
    cal = _calendar(rules, booking.calendar)
    if booking.motive not in cal.motives:
        raise MotiveNotAllowed(f"Le motif « {booking.motive} » n'est pas proposé dans l'agenda "
                               f"« {cal.name} ».")
    subject = booking.subject or f"{cal.name} : {cal.motives[booking.motive]}"
    values = request_values(rules, type_id=cal.request_type, at=at, channel=booking.channel,
                            department=cal.department, subject=subject)
    rng = rng or random.SystemRandom()
    for _ in range(REFERENCE_ATTEMPTS):
        try:
            with store.session() as session:
                return _add(session, store, rules, booking, values, at, _actor(actor), rng,
                            audit)
        except IntegrityError as exc:
            if _is_slot_clash(exc):
                raise _taken(store, rules, booking.calendar, booking.start, at) from None
            if not is_clash(exc):
                raise
    raise RuntimeError(f"no free reference after {REFERENCE_ATTEMPTS} attempts")


def _add(session: Session, store: Store, rules: Rules, booking: Booking, values: dict[str, Any],
         at: datetime, actor: str, rng: random.Random, audit: Audit) -> AppointmentView:
    """The request and its slot in ``session`` (the slot's unique index decides at flush)."""
    cal = rules.appointments.calendars[booking.calendar]
    _check_slot(session, rules, booking.calendar, booking.start, at, store)
    owner = _owner(session, booking.citizen_id, booking.citizen)
    request = insert_request(session, values, owner=owner, actor=actor, rng=rng)
    _limit(session, rules, booking.calendar, request.citizen_id, at)
    row = Appointment(request=request, calendar=booking.calendar, start=booking.start,
                      end=booking.start + timedelta(minutes=cal.slot_minutes),
                      motive=booking.motive, sync_attempts=0,
                      sync_state="pending" if cal.caldav else "none",
                      sync_due_at=at if cal.caldav else None)
    session.add(row)
    session.flush()
    if audit:
        audit(session)
    return _view(row)


def _row(session: Session, reference: str, phone: str | None = None) -> Appointment:
    """The appointment of ``reference``; with ``phone``, only if it is that caller's."""
    key = normalise(reference)
    row = session.scalar(select(Appointment).join(Request, Request.id == Appointment.request_id)
                         .where(Request.reference == key))
    if row is None:
        raise UnknownReference(f"Aucun rendez-vous ne porte la référence {grouped(key)}.")
    if phone is not None and row.request.citizen_id not in citizen_ids(session, phone=phone):
        raise NotYours(f"Le rendez-vous {grouped(key)} n'a pas été pris avec ce numéro.")
    return row


def get_appointment(store: Store, reference: str, phone: str | None = None) -> AppointmentView:
    """The appointment keyed as ``reference`` (the caller's own when ``phone`` is given)."""
    with store.session() as session:
        return _view(_row(session, reference, phone))


def _still_reserved(row: Appointment, at: datetime) -> None:
    if row.request.status != RESERVED or row.start <= at:
        raise SlotUnavailable(f"Le rendez-vous {grouped(row.request.reference)} n'est plus "
                              "modifiable (passé, annulé ou déjà tenu).", "past")


def _sync_later(rules: Rules, row: Appointment, at: datetime) -> None:
    """A change the élu's CalDAV server must hear about (pushed later, retried)."""
    cal = rules.appointments.calendars.get(row.calendar)
    if cal is not None and cal.caldav is not None:
        row.sync_state, row.sync_due_at, row.sync_attempts = "pending", at, 0


def cancel(store: Store, rules: Rules, reference: str, *, at: datetime, actor: str,
           phone: str | None = None, note: str | None = None,
           audit: Audit = None) -> AppointmentView:
    """Cancel a future appointment: its slot is free again at once."""
    with store.session() as session:
        row = _row(session, reference, phone)
        _still_reserved(row, at)
        _move(session, rules, row.request, CANCELLED, actor, at, note)
        row.cancelled_at = at
        _sync_later(rules, row, at)
        session.flush()
        if audit:
            audit(session)
        return _view(row)


def move(store: Store, rules: Rules, reference: str, start: datetime, *, at: datetime,
         actor: str, phone: str | None = None, audit: Audit = None) -> AppointmentView:
    """Move a future appointment to ``start``; when that slot is taken, the old one is kept."""
    try:
        with store.session() as session:
            row = _row(session, reference, phone)
            _still_reserved(row, at)
            _check_slot(session, rules, row.calendar, start, at, store)
            length = row.end - row.start
            row.start, row.end = start, start + length
            _sync_later(rules, row, at)
            session.flush()
            if audit:
                audit(session)
            return _view(row)
    except IntegrityError as exc:
        if not _is_slot_clash(exc):
            raise
        raise _taken(store, rules, _calendar_of(store, reference), start, at) from None


def _calendar_of(store: Store, reference: str) -> str:
    with store.session() as session:
        return _row(session, reference).calendar


def mark(store: Store, rules: Rules, reference: str, status: str, *, at: datetime,
         actor: str, audit: Audit = None) -> AppointmentView:
    """Record how a past appointment went: ``honore`` or ``absent``."""
    if status not in (HONOURED, ABSENT):
        raise InvalidInput("Un rendez-vous passé est « honoré » ou « absent ».")
    with store.session() as session:
        row = _row(session, reference)
        if row.start > at:
            raise InvalidInput("Ce rendez-vous n'a pas encore eu lieu.")
        _move(session, rules, row.request, status, actor, at, None)
        session.flush()
        if audit:
            audit(session)
        return _view(row)


def agenda(store: Store, calendar_id: str, since: datetime, until: datetime, *,
           include_cancelled: bool = False) -> list[AppointmentView]:
    """The appointments of ``calendar_id`` starting in [since, until), in order."""
    query = (select(Appointment).where(Appointment.calendar == calendar_id,
                                       Appointment.start >= since, Appointment.start < until)
             .order_by(Appointment.start, Appointment.id))
    if not include_cancelled:
        query = query.where(Appointment.cancelled_at.is_(None))
    with store.session() as session:
        return [_view(row) for row in session.scalars(query)]


def no_show_rate(store: Store, since: datetime, until: datetime) -> tuple[int, int]:
    """(absent, held or absent) among the appointments of [since, until): the no-show rate."""
    with store.session() as session:
        rows = session.execute(
            select(Request.status, func.count()).join(Appointment,
                                                      Appointment.request_id == Request.id)
            .where(Appointment.start >= since, Appointment.start < until,
                   Request.status.in_((HONOURED, ABSENT)))
            .group_by(Request.status)).all()
    counts = {status: count for status, count in rows}
    return counts.get(ABSENT, 0), counts.get(ABSENT, 0) + counts.get(HONOURED, 0)


def pending_syncs(store: Store, now: datetime, limit: int = 50) -> list[AppointmentView]:
    """Appointments whose CalDAV copy is due to be pushed or removed."""
    query = (select(Appointment).where(Appointment.sync_state == "pending",
                                       Appointment.sync_due_at <= now)
             .order_by(Appointment.sync_due_at, Appointment.id).limit(limit))
    with store.session() as session:
        return [_view(row) for row in session.scalars(query)]


def sync_done(store: Store, reference: str) -> None:
    """The copy on the CalDAV server is up to date."""
    with store.session() as session:
        row = _row(session, reference)
        row.sync_state, row.sync_error, row.sync_due_at = "done", None, None


def sync_failed(store: Store, reference: str, error: str, now: datetime,
                backoff: Callable[[int], timedelta]) -> None:
    """The push failed: still pending, tried again after ``backoff(attempts)``."""
    with store.session() as session:
        row = _row(session, reference)
        row.sync_attempts += 1
        row.sync_error, row.sync_due_at = error, now + backoff(row.sync_attempts)


def upcoming(store: Store, since: datetime, until: datetime) -> list[AppointmentView]:
    """Reserved appointments of every calendar starting in [since, until) (reminders)."""
    query = (select(Appointment).join(Request, Request.id == Appointment.request_id)
             .where(Appointment.start >= since, Appointment.start < until,
                    Request.status == RESERVED).order_by(Appointment.start))
    with store.session() as session:
        return [_view(row) for row in session.scalars(query)]
