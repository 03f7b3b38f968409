"""``townhall-ivr appointments …`` over a real store: slots, feed address, reminders."""

from __future__ import annotations

from click.testing import CliRunner, Result

from ivr.cli.appointments import appointments
from ivr.settings import Settings
from ivr.store import appointments as ap
from ivr.store import calendar_feeds
from ivr.store.db import Store
from tests.fixtures.appointments import MONDAY_9H, paris
from tests.fixtures.requests import ROOT, RULES


def invoke(db_url: str, *args: str, now=MONDAY_9H) -> Result:
    settings = Settings.from_env({"TOWNHALL_DB_URL": db_url, "TOWNHALL_CLOCK": now.isoformat(),
                                  "TOWNHALL_RULES": str(ROOT / "routing_rules.yaml")})
    return CliRunner().invoke(appointments, list(args), obj=settings)


def test_slots_feed_and_reminders(db_url: str, store: Store) -> None:
    assert invoke(db_url, "slots", "maire", "--limit", "2").output.split() == [
        "2026-12-01T14:00:00+01:00", "2026-12-01T14:30:00+01:00"]
    unknown = invoke(db_url, "slots", "personne")
    assert unknown.exit_code == 1 and "Agenda inconnu" in unknown.output
    address = invoke(db_url, "feed", "maire").output.strip()
    assert address.startswith("/api/v1/appointments/feed/") and address.endswith(".ics")
    token = address.rsplit("/", 1)[1].removesuffix(".ics")
    assert calendar_feeds.calendar_of(store, token) == "maire"
    assert invoke(db_url, "revoke-feed", "maire").output.startswith("1 adresse")
    assert calendar_feeds.calendar_of(store, token) is None
    view = ap.book(store, RULES, ap.Booking("maire", paris(2026, 12, 3, 14), "projet"),
                   at=MONDAY_9H, actor="t")
    assert invoke(db_url, "reminders").output == ""
    due = invoke(db_url, "reminders", now=paris(2026, 12, 1, 9)).output
    assert due.startswith(" ".join(view.reference[i:i + 2] for i in range(0, 10, 2)))
    assert "sync" in invoke(db_url, "--help").output
    assert invoke(db_url, "sync").output.startswith("0 recopié(s)")
    once = invoke(db_url, "run", "--once")  # the stack's child, one pass: nothing to push
    assert (once.exit_code, once.output) == (0, "")


def test_the_push_interval_reaches_the_stack_s_children() -> None:
    settings = Settings.from_env({"TOWNHALL_CALDAV_SYNC": "2.5"})
    assert settings.caldav_sync_seconds == 2.5
    assert Settings.from_env(settings.to_env()).caldav_sync_seconds == 2.5


def test_the_child_waits_for_a_store_not_migrated_yet(tmp_path) -> None:
    empty = f"sqlite:///{tmp_path / 'empty.db'}"  # the IVR app migrates it at its start
    once = invoke(empty, "run", "--once")
    assert once.exit_code == 1 and "base de données indisponible" in once.output
