"""The élu's calendar server receives the appointments: a real Radicale over CalDAV.

A booking appears there, its cancellation removes it; while the server is down the
bookings go on, the push stays pending with its error, and is done once it is back.
The stack's own child (``appointments run``, started and restarted by the supervisor)
does it by itself. The iCalendar it receives and the feed parse with ``icalendar``.
"""

from __future__ import annotations

import threading
from pathlib import Path

import caldav
import pytest
from icalendar import Calendar
from ruamel.yaml import YAML

from ivr.appointments.adapters import caldav_push
from ivr.appointments.adapters.ical import calendar_document, uid
from ivr.rules import load_rules
from ivr.rules.appointments import CalDavTarget
from ivr.settings import Settings
from ivr.stack.supervisor import worker_child
from ivr.store import appointments as ap
from ivr.store.citizens import NewCitizen
from ivr.store.db import Store
from tests.fixtures.appointments import MONDAY_9H, paris, with_calendar
from tests.fixtures.db import sqlite_url
from tests.fixtures.radicale import Radicale
from tests.fixtures.requests import RULES
from townhall_support.stack import DEFAULT_RULES
from townhall_support.wait import eventually

pytestmark = pytest.mark.e2e


def no_secret(name: str) -> str:
    raise AssertionError(f"no password expected, asked for {name}")


def events(url: str) -> dict[str, str]:
    """UID → SUMMARY of the events on the server's calendar."""
    found = caldav.DAVClient(url=url).calendar(url=url).events()
    parsed = [Calendar.from_ical(item.data).walk("VEVENT")[0] for item in found]
    return {str(e["UID"]): str(e["SUMMARY"]) for e in parsed}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_push_then_removal_and_a_server_down(store: Store, radicale: Radicale) -> None:
    url = radicale.calendar_url("maire")
    rules = with_calendar("maire", caldav=CalDavTarget(url=url))
    book = ap.Booking("maire", paris(2026, 12, 1, 14), "association",
                      citizen=NewCitizen(phones=("+33612345678",)))
    view = ap.book(store, rules, book, at=MONDAY_9H, actor="test")
    assert view.sync_state == "pending"
    assert caldav_push.sync_pending(store, rules, no_secret, MONDAY_9H) == (1, 0)
    assert events(url) == {uid(view.reference): "Rendez-vous : une association"}
    assert ap.get_appointment(store, view.reference).sync_state == "done"

    ap.cancel(store, rules, view.reference, at=MONDAY_9H, actor="test")
    assert caldav_push.sync_pending(store, rules, no_secret, MONDAY_9H) == (1, 0)
    assert events(url) == {}

    radicale.stop()
    try:
        later = ap.book(store, rules, book, at=MONDAY_9H, actor="test")  # bookings go on
        assert caldav_push.sync_pending(store, rules, no_secret, MONDAY_9H) == (0, 1)
        pending = ap.get_appointment(store, later.reference)
        assert pending.sync_state == "pending" and "Connection" in (pending.sync_error or "")
        assert ap.pending_syncs(store, MONDAY_9H) == []  # retried later, not in a loop
    finally:
        radicale.start_again()
    retry_at = MONDAY_9H + caldav_push.backoff(1)
    assert caldav_push.sync_pending(store, rules, no_secret, retry_at) == (1, 0)
    assert uid(later.reference) in events(url)


def test_the_feed_parses_with_a_maintained_library() -> None:
    view = ap.AppointmentView("1234567897", "maire", paris(2026, 12, 1, 14),
                              paris(2026, 12, 1, 14, 30), "projet", "reserve", "phone", 1, None,
                              "none", None)
    parsed = Calendar.from_ical(calendar_document(RULES, "Monsieur le Maire", [view],
                                                  MONDAY_9H))
    event = parsed.walk("VEVENT")[0]
    assert event["UID"] == uid("1234567897")
    assert event.decoded("DTSTART") == paris(2026, 12, 1, 14)
    assert "12 34 56 78 97" in str(event["DESCRIPTION"])
    assert "+336" not in parsed.to_ical().decode()  # no contact details in the feed


def rules_pushing_to(url: str, dest: Path) -> Path:
    """The shipped rules with the maire's calendar copied to ``url``."""
    yaml = YAML()
    data = yaml.load(DEFAULT_RULES.read_text())
    data["appointments"]["calendars"]["maire"]["caldav"] = {"url": url}
    with dest.open("w") as out:
        yaml.dump(data, out)
    return dest


def test_the_stack_s_child_pushes_removes_and_comes_back_after_a_kill(
        radicale: Radicale, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = radicale.calendar_url("maire-stack")
    path = rules_pushing_to(url, tmp_path / "routing_rules.yaml")
    rules = load_rules(path)
    settings = Settings.from_env({"TOWNHALL_HOME": str(tmp_path)}).with_(
        rules_path=path, db_url=sqlite_url(tmp_path), clock_value=MONDAY_9H.isoformat(),
        caldav_sync_seconds=0.3)
    for name, value in settings.to_env().items():  # what the supervisor's children inherit
        monkeypatch.setenv(name, value)
    child = worker_child("appointments", tmp_path / "log")
    child.start()  # before the store exists: the IVR app migrates it at its own start
    threading.Thread(target=child.watch, daemon=True).start()
    store = Store(settings.db_url)
    try:
        eventually(lambda: child.log_path.read_text(), 30, 0.2,
                   until=lambda text: "base de données indisponible" in text)
        store.migrate()
        book = ap.Booking("maire", paris(2026, 12, 1, 14), "projet",
                          citizen=NewCitizen(phones=("+33612345678",)))
        view = ap.book(store, rules, book, at=MONDAY_9H, actor="test")
        eventually(lambda: events(url), 30, 0.2, until=lambda e: uid(view.reference) in e)
        assert ap.get_appointment(store, view.reference).sync_state == "done"
        assert child.restarts == 0  # it waited for the store, it did not crash

        ap.cancel(store, rules, view.reference, at=MONDAY_9H, actor="test")
        assert eventually(lambda: events(url), 30, 0.2, until=lambda e: not e) == {}

        assert child.process is not None
        child.process.kill()  # the supervisor starts it again
        later = ap.book(store, rules, book, at=MONDAY_9H, actor="test")
        eventually(lambda: events(url), 30, 0.2, until=lambda e: uid(later.reference) in e)
        assert child.restarts == 1
    finally:
        child.stop()
        store.dispose()
