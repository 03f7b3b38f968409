"""/api/v1/appointments: free slots, book, cancel; a taken slot is a 409 naming the next
free one; bad input is a French 4xx, nothing stored (SQLite and PostgreSQL)."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import func, select

from ivr.store.db import Store
from ivr.store.models import Appointment
from tests.fixtures.admin import NOW

# The admin tests' clock: Wednesday 2 December 2026, 10:00 (24 h notice for the maire)
FIRST = "2026-12-03T13:00:00Z"  # Thursday 14:00 in Paris
SECOND = "2026-12-03T13:30:00Z"


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def booking(start: str = FIRST, **changes: object) -> dict[str, object]:
    return {"calendar": "maire", "motive": "projet", "start": start,
            "caller": {"name": "Jeanne Martin", "phone": "06 12 34 56 78"}, **changes}


def appointments(store: Store) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(Appointment)) or 0


def test_slots_book_taken_and_cancel(client: FlaskClient, token: str, store: Store) -> None:
    slots = client.get("/api/v1/appointments/slots?calendar=maire&limit=2", headers=auth(token))
    assert slots.status_code == 200
    assert slots.json == {"calendar": "maire", "slots": [FIRST, SECOND]}
    booked = client.post("/api/v1/appointments", json=booking(), headers=auth(token))
    assert booked.status_code == 201, booked.json
    assert booked.json["status"] == "reserve" and booked.json["channel"] == "web"
    reference = booked.json["reference"]
    taken = client.post("/api/v1/appointments", json=booking(
        caller={"email": "paul@example.org"}), headers=auth(token))
    assert taken.status_code == 409
    assert taken.json["detail"] == {"code": "taken", "next_free": SECOND}
    assert "vient d'être réservé" in taken.json["error"]
    cancelled = client.delete(f"/api/v1/appointments/{reference}", headers=auth(token))
    assert cancelled.status_code == 200 and cancelled.json["status"] == "annule"
    again = client.delete(f"/api/v1/appointments/{reference}", headers=auth(token))
    assert again.status_code == 409 and "plus modifiable" in again.json["error"]
    assert client.get("/api/v1/appointments/slots?calendar=maire&limit=1",
                      headers=auth(token)).json["slots"] == [FIRST]


def test_bad_bookings_are_refused_in_french(client: FlaskClient, token: str,
                                            store: Store) -> None:
    cases = [
        (booking(start="2026-12-02T08:00:00Z"), 409, "déjà passé"),
        (booking(start="2026-12-03T13:10:00Z"), 409, "disponibilités"),
        (booking(motive="retrait"), 422, "n'est pas proposé"),
        (booking(calendar="inconnu"), 422, "Agenda inconnu"),
        (booking(start="2026-12-03 14:00"), 422, "rendez-vous invalide"),
        (booking(caller={}), 422, "rendez-vous invalide"),
    ]
    for body, status, words in cases:
        answer = client.post("/api/v1/appointments", json=body, headers=auth(token))
        assert answer.status_code == status, (body, answer.json)
        assert words in answer.json["error"]
    assert appointments(store) == 0
    assert client.delete("/api/v1/appointments/1234567890",
                         headers=auth(token)).status_code == 422  # wrong check digit
    assert client.get("/api/v1/appointments/slots?calendar=x&limit=99",
                      headers=auth(token)).status_code == 422
    assert client.get("/api/v1/appointments/slots?calendar=maire").status_code == 401


def test_the_ical_feed_at_its_secret_address_until_revoked(client: FlaskClient, token: str,
                                                            store: Store) -> None:
    from datetime import datetime

    from icalendar import Calendar

    from ivr.store import calendar_feeds

    booked = client.post("/api/v1/appointments", json=booking(), headers=auth(token)).json
    secret = calendar_feeds.new_feed(store, "maire", datetime.fromisoformat(NOW))
    answer = client.get(f"/api/v1/appointments/feed/{secret}.ics")
    assert answer.status_code == 200 and answer.mimetype == "text/calendar"
    events = Calendar.from_ical(answer.data).walk("VEVENT")
    assert [str(e["UID"]) for e in events] == [f"rdv-{booked['reference']}@townhall-ivr"]
    assert b"06 12" not in answer.data and b"Jeanne" not in answer.data
    newer = calendar_feeds.new_feed(store, "maire", datetime.fromisoformat(NOW))
    assert client.get(f"/api/v1/appointments/feed/{secret}.ics").status_code == 404
    assert client.get(f"/api/v1/appointments/feed/{newer}.ics").status_code == 200
    assert calendar_feeds.revoke(store, "maire", datetime.fromisoformat(NOW)) == 1
    assert client.get(f"/api/v1/appointments/feed/{newer}.ics").status_code == 404
