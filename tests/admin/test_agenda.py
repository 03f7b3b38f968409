"""The agenda pages: day and week, the secretary books, refuses a taken slot, moves,
cancels and marks « absent » (each with its audit line); an élu sees their own
calendar read-only; an agent only their department's (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from flask import Flask
from flask.testing import FlaskClient
from icalendar import Calendar
from sqlalchemy import select

from admin.accounts import add_user
from ivr.store import appointments as ap
from ivr.store.db import Store
from ivr.store.models import AuditLog
from tests.fixtures.admin import NOW, PASSWORD, login, set_clock
from tests.fixtures.requests import RULES

SLOT = "2026-12-03T14:00:00+01:00"  # Thursday: the maire's afternoon


def actions(store: Store) -> list[str]:
    with store.session() as session:
        return [a for a in session.scalars(select(AuditLog.action).order_by(AuditLog.id))
                if a.startswith("appointment.")]


def only_appointment(store: Store) -> ap.AppointmentView:
    found = ap.agenda(store, "maire", datetime.fromisoformat("2026-12-01T00:00:00+01:00"),
                      datetime.fromisoformat("2026-12-31T00:00:00+01:00"),
                      include_cancelled=True)
    assert len(found) == 1
    return found[0]


def test_the_secretary_books_moves_cancels_and_marks(
        app: Flask, as_user: Callable[[str], FlaskClient], store: Store) -> None:
    client = as_user("admin")
    week = client.get("/agenda/maire?jour=2026-12-03&vue=semaine").get_data(as_text=True)
    assert "Agenda — Monsieur le Maire" in week and "jeudi 3 décembre 2026" in week
    assert "Libre" in week
    assert "pas de rendez-vous (jour férié" not in week
    booked = client.post("/agenda/maire/reserver", data={
        "start": SLOT, "motive": "projet", "name": "Jeanne Martin", "phone": "0612345678"},
        follow_redirects=True).get_data(as_text=True)
    assert "Rendez-vous réservé (référence" in booked
    view = only_appointment(store)
    assert (view.status, view.channel) == ("reserve", "counter")
    again = client.post("/agenda/maire/reserver", data={"start": SLOT, "motive": "projet"},
                        follow_redirects=True).get_data(as_text=True)
    assert "être réservé par quelqu" in again  # the apostrophe is escaped
    moved = client.post(f"/agenda/rdv/{view.reference}/deplacer",
                        data={"start": "2026-12-03T15:00"}, follow_redirects=True)
    assert "déplacé" in moved.get_data(as_text=True)
    assert only_appointment(store).start == datetime.fromisoformat("2026-12-03T15:00:00+01:00")
    assert actions(store) == ["appointment.book", "appointment.move"]


def test_a_past_appointment_is_marked_absent(
        app: Flask, as_user: Callable[[str], FlaskClient], store: Store) -> None:
    booking = ap.Booking("maire", datetime.fromisoformat(SLOT), "projet")
    view = ap.book(store, RULES, booking, at=datetime.fromisoformat(NOW), actor="test")
    set_clock(app, "2026-12-03T18:00:00+01:00")
    client = as_user("admin")
    early = client.post(f"/agenda/rdv/{view.reference}/annuler", follow_redirects=True)
    assert "plus modifiable" in early.get_data(as_text=True)
    marked = client.post(f"/agenda/rdv/{view.reference}/statut", data={"status": "absent"},
                         follow_redirects=True)
    assert "Rendez-vous" in marked.get_data(as_text=True) and "absent" in marked.get_data(
        as_text=True)
    assert only_appointment(store).status == "absent"
    assert actions(store) == ["appointment.mark"]
    board = client.get("/?start=2026-12-01&end=2026-12-31").get_data(as_text=True)
    assert "Rendez-vous non honorés" in board and "1 absence(s) sur 1 rendez-vous" in board


def test_cancel_frees_the_slot(as_user: Callable[[str], FlaskClient], store: Store) -> None:
    client = as_user("superviseur")
    client.post("/agenda/maire/reserver", data={"start": SLOT, "motive": "projet"})
    view = only_appointment(store)
    page = client.post(f"/agenda/rdv/{view.reference}/annuler", follow_redirects=True)
    assert "annulé" in page.get_data(as_text=True)
    assert only_appointment(store).status == "annule"
    assert actions(store) == ["appointment.book", "appointment.cancel"]


def test_an_elu_sees_their_own_agenda_read_only(client: FlaskClient, store: Store) -> None:
    with store.session() as session:
        add_user(session, datetime.fromisoformat(NOW), "maire", PASSWORD, "elu", None,
                 actor="test")
    assert login(client, "maire") == 302
    assert client.get("/agenda/").headers["Location"].endswith("/agenda/maire")
    page = client.get("/agenda/maire?jour=2026-12-03").get_data(as_text=True)
    assert "Libre" in page and "Réserver" not in page
    assert client.get("/agenda/adjointe-urbanisme").status_code == 404
    assert client.post("/agenda/maire/reserver", data={"start": SLOT,
                                                        "motive": "projet"}).status_code == 403


def test_an_agent_sees_their_department_s_calendars_only(
        as_user: Callable[[str], FlaskClient]) -> None:
    client = as_user("agent-ec")  # état civil: no calendar
    assert "Aucun agenda" in client.get("/agenda/").get_data(as_text=True)
    assert client.get("/agenda/maire").status_code == 404


def feed_url(page: str) -> str:
    """The feed's address in the page shown once (``http://localhost/…``)."""
    found = re.search(r'value="(http://localhost(/api/v1/appointments/feed/[^"]+\.ics))"', page)
    assert found, page
    return found.group(2)


def test_the_feed_address_is_made_copied_regenerated_and_revoked(
        as_user: Callable[[str], FlaskClient], store: Store) -> None:
    client = as_user("superviseur")
    assert "Aucune adresse active" in client.get("/agenda/maire").get_data(as_text=True)
    made = client.post("/agenda/maire/flux")
    assert made.headers["Cache-Control"] == "no-store"
    first = feed_url(made.get_data(as_text=True))
    assert 'data-copy="feed-url"' in made.get_data(as_text=True)
    assert client.get("/static/copy.js").status_code == 200
    ical = client.get(first)
    assert ical.mimetype == "text/calendar"
    assert Calendar.from_ical(ical.data).get("X-WR-CALNAME") == "Monsieur le Maire"
    second = feed_url(client.post("/agenda/maire/flux").get_data(as_text=True))
    assert client.get(first).status_code == 404 and client.get(second).status_code == 200
    page = client.get("/agenda/maire").get_data(as_text=True)
    assert "active depuis le 02/12/2026 à 10:00" in page
    revoked = client.post("/agenda/maire/flux/revoquer", follow_redirects=True)
    assert "révoquée" in revoked.get_data(as_text=True)
    assert client.get(second).status_code == 404
    assert actions(store) == ["appointment.feed", "appointment.feed", "appointment.feed_revoke"]


def test_only_who_sees_the_calendar_makes_its_feed(as_user: Callable[[str], FlaskClient]) -> None:
    client = as_user("agent-ec")  # état civil: not the maire's calendar
    assert client.post("/agenda/maire/flux").status_code == 404
    assert client.post("/agenda/maire/flux/revoquer").status_code == 404
