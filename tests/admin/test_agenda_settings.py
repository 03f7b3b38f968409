"""Calendars edited in the admin: the form writes the calendar into routing_rules.yaml
(comments and the other sections kept), checked by the IVR's loader, published as a
new version; bad input is refused at its field or with the loader's line; only the
administrateur may (the store is not involved: SQLite only)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from admin import calendar_rules
from ivr.rules import load_rules
from ivr.store.db import Store
from ivr.store.models import AuditLog
from tests.fixtures.db import sqlite_url

MAIRE = {"name": "Monsieur le Maire", "spoken_name": "monsieur le maire",
         "department": "cabinet-maire", "request_type": "rendez-vous-agenda-elu",
         "hours": "mardi: 14:00-16:00\njeudi: 14:00-17:00", "slot_minutes": "20",
         "buffer_minutes": "10", "horizon_days": "30", "notice_hours": "48",
         "absences": "2026-12-08 Congrès des maires\n2026-12-21 au 2027-01-03 Vacances",
         "motives": "projet: un projet pour la commune\nassociation: une association",
         "owners": "maire, elu"}


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return sqlite_url(tmp_path)


def rules_file(app: Flask) -> Path:
    return app.config["TOWNHALL_SETTINGS"].rules_path


def _around_calendar(text: str, calendar_id: str) -> tuple[str, str]:
    """The text before a calendar's block and after it (from the next calendar on)."""
    start = text.index(f"\n    {calendar_id}:\n") + 1
    following = re.compile(r"^    [a-z0-9-]+:$", re.MULTILINE).search(text, start + 1)
    assert following is not None
    return text[:start], text[following.start():]


def test_the_administrateur_edits_a_calendar_and_it_is_published(
        app: Flask, as_user: Callable[[str], FlaskClient], store: Store) -> None:
    client = as_user("admin")
    before = rules_file(app).read_text()
    assert 'href="/agenda/maire/reglages"' in client.get("/agenda/maire").get_data(as_text=True)
    page = client.get("/agenda/maire/reglages").get_data(as_text=True)
    assert "mardi: 14:00-17:00" in page and "projet: un projet ou une idée" in page
    saved = client.post("/agenda/maire/reglages", data=MAIRE, follow_redirects=True)
    assert "Agenda enregistré dans les règles (version" in saved.get_data(as_text=True)
    text = rules_file(app).read_text()
    assert "#  Libre-service au téléphone" in text  # the file's comments are kept
    # only the calendar's own lines changed: the rest of the file is byte for byte the same
    head, tail = _around_calendar(before, "maire")
    assert text.startswith(head) and text.endswith(tail) and text != before
    cal = load_rules(rules_file(app)).appointments.calendars["maire"]
    assert (cal.slot_minutes, cal.buffer_minutes, cal.horizon_days, cal.notice_hours) == (
        20, 10, 30, 48)
    assert list(cal.motives) == ["projet", "association"] and cal.owners == ("maire", "elu")
    assert [(a.date, a.start, a.end) for a in cal.absences] == [
        (date(2026, 12, 8), None, None), (None, date(2026, 12, 21), date(2027, 1, 3))]
    week = client.get("/agenda/maire?jour=2026-12-08&vue=semaine").get_data(as_text=True)
    assert "absence : Congrès des maires" in week and "14:30" in week  # 20 + 10 minutes
    with store.session() as session:
        assert session.scalar(select(AuditLog.action).order_by(AuditLog.id.desc())) == \
            "rules.publish"


def test_bad_input_is_refused_at_its_field_or_line_and_nothing_is_published(
        app: Flask, as_user: Callable[[str], FlaskClient]) -> None:
    client = as_user("admin")
    before = rules_file(app).read_text()
    shape = client.post("/agenda/maire/reglages", data={
        **MAIRE, "hours": "mardi 14h", "absences": "le 8 décembre"}).get_data(as_text=True)
    assert "écrivez « jour: 09:00-12:00, 14:00-17:00 »" in shape
    assert "écrivez « 2026-12-24 Congés »" in shape
    loader = client.post("/agenda/maire/reglages", data={
        **MAIRE, "hours": "mardy: 14:00-17:00"}).get_data(as_text=True)
    assert "Erreurs à corriger" in loader and "Ligne" in loader
    number = client.post("/agenda/maire/reglages", data={**MAIRE, "slot_minutes": "0"})
    assert number.status_code == 200 and rules_file(app).read_text() == before


def test_a_new_calendar_is_created(app: Flask, as_user: Callable[[str], FlaskClient]) -> None:
    client = as_user("admin")
    sport = {**MAIRE, "name": "Adjoint aux sports", "spoken_name": "l'adjoint aux sports",
             "owners": ""}
    unnamed = client.post("/agenda/nouveau", data=sport).get_data(as_text=True)
    assert "Donnez un identifiant" in unnamed
    made = client.post("/agenda/nouveau", data={**sport, "calendar_id": "adjoint-sports"},
                       follow_redirects=True)
    assert "Agenda — Adjoint aux sports" in made.get_data(as_text=True)
    rules = load_rules(rules_file(app))
    assert list(rules.appointments.calendars)[-1] == "adjoint-sports"


def test_only_the_administrateur_edits_calendars(as_user: Callable[[str], FlaskClient]) -> None:
    client = as_user("superviseur")
    assert client.get("/agenda/maire/reglages").status_code == 403
    assert client.post("/agenda/nouveau", data=MAIRE).status_code == 403


def test_the_form_text_round_trips_through_the_yaml() -> None:
    text = "appointments:\n  calendars:\n    c:\n      caldav: {url: 'http://x/'}\n"
    values = {"hours": calendar_rules.parse_hours(MAIRE["hours"]),
              "absences": calendar_rules.parse_absences(MAIRE["absences"]),
              "motives": calendar_rules.parse_motives(MAIRE["motives"]),
              "owners": calendar_rules.parse_owners(MAIRE["owners"]), "slot_minutes": 20}
    out = calendar_rules.with_calendar(text, "c", values)
    assert "caldav: {url: 'http://x/'}" in out  # keys the form does not edit are kept
    back = calendar_rules.form_values(out, "c")
    assert (back["hours"], back["absences"], back["owners"]) == (
        MAIRE["hours"], MAIRE["absences"], MAIRE["owners"])
    assert calendar_rules.parse_hours("horaires-mairie") == "horaires-mairie"
