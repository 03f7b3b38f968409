"""``/api/v1/appointments``: free slots, book and cancel, for the town hall's web site.

Same bearer tokens and JSON errors as ``admin.api``. A slot taken meanwhile is a 409
whose ``detail.next_free`` is the next free slot, so the site can offer it at once.
"""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request
from flask.typing import ResponseReturnValue
from pydantic import ValidationError

from admin.api import _now, encodable, error_response, invalid, token_required
from admin.api_models import AppointmentIn, AppointmentOut, SlotList, SlotQuery
from admin.db import get_store
from admin.published import published_rules
from admin.security import csrf
from ivr.appointments.adapters.ical import calendar_document
from ivr.appointments.errors import SlotUnavailable, TooManyAppointments
from ivr.requests.errors import RequestError, UnknownReference
from ivr.rules import Rules
from ivr.store import appointments, calendar_feeds
from ivr.store.citizens import NewCitizen

bp = Blueprint("api_appointments", __name__, url_prefix="/api/v1/appointments")
FEED_PAST, FEED_FUTURE = timedelta(days=31), timedelta(days=366)
csrf.exempt(bp)


class RulesUnreadable(RequestError):
    """The published rules cannot be read: no calendar to book in (503)."""


def _rules() -> Rules:
    rules = published_rules()
    if rules is None:  # logged by published_rules; the admin shows it too
        raise RulesUnreadable("Les agendas sont momentanément indisponibles.")
    return rules


def _refused(exc: RequestError) -> ResponseReturnValue:
    if isinstance(exc, SlotUnavailable):
        free = exc.next_free.astimezone(UTC).isoformat().replace("+00:00", "Z") \
            if exc.next_free else None
        return error_response(409, exc.message, {"code": exc.code, "next_free": free})
    if isinstance(exc, TooManyAppointments):
        return error_response(409, exc.message)
    if isinstance(exc, UnknownReference):
        return error_response(404, exc.message)
    if isinstance(exc, RulesUnreadable):
        return error_response(503, exc.message)
    return error_response(422, exc.message)


def _out(view: appointments.AppointmentView) -> dict[str, Any]:
    return AppointmentOut.model_validate(view, from_attributes=True).model_dump(mode="json")


@bp.route("/slots")
@token_required
def free_slots() -> ResponseReturnValue:
    """The next free slots of a calendar."""
    try:
        query = SlotQuery.model_validate(request.args.to_dict())
    except ValidationError as exc:
        return invalid(exc, "paramètres invalides")
    try:
        found = appointments.free_slots(get_store(), _rules(), query.calendar, _now(),
                                        after=query.after, limit=query.limit)
    except RequestError as exc:
        return _refused(exc)
    return jsonify(SlotList(calendar=query.calendar, slots=found).model_dump(mode="json"))


@bp.route("", methods=["POST"])
@token_required
def book() -> ResponseReturnValue:
    """Book a slot for a citizen (found or created by phone or e-mail)."""
    payload = request.get_json(silent=True)
    if payload is None or not encodable(payload):
        return error_response(400, "le corps doit être un objet JSON en Unicode valide")
    try:
        data = AppointmentIn.model_validate(payload)
    except ValidationError as exc:
        return invalid(exc, "rendez-vous invalide")
    citizen = NewCitizen(name=data.caller.name,
                         phones=(data.caller.phone,) if data.caller.phone else (),
                         emails=(data.caller.email,) if data.caller.email else ())
    booking = appointments.Booking(data.calendar, data.start, data.motive, "web", citizen,
                                   subject=data.subject)
    try:
        view = appointments.book(get_store(), _rules(), booking, at=_now(),
                                 actor=f"api:{g.api_token}"[:64])
    except RequestError as exc:
        return _refused(exc)
    current_app.logger.info("api appointment booked")
    return jsonify(_out(view)), 201


@bp.route("/<reference>", methods=["DELETE"])
@token_required
def cancel(reference: str) -> ResponseReturnValue:
    """Cancel an appointment by its reference; the slot is free again."""
    try:
        view = appointments.cancel(get_store(), _rules(), reference, at=_now(),
                                   actor=f"api:{g.api_token}"[:64])
    except RequestError as exc:
        return _refused(exc)
    return jsonify(_out(view))


@bp.route("/feed/<token>.ics")
def feed(token: str) -> ResponseReturnValue:
    """The calendar's iCalendar feed at its secret address (no bearer: calendar apps)."""
    store = get_store()
    calendar_id = calendar_feeds.calendar_of(store, token[:100])
    rules = published_rules()
    if calendar_id is None or rules is None or calendar_id not in rules.appointments.calendars:
        return error_response(404, "Adresse de calendrier inconnue ou révoquée.")
    now = _now()
    views = appointments.agenda(store, calendar_id, now - FEED_PAST, now + FEED_FUTURE,
                                include_cancelled=True)
    name = rules.appointments.calendars[calendar_id].name
    return Response(calendar_document(rules, name, views, now), mimetype="text/calendar")
