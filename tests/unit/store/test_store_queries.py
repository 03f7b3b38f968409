"""Contact search and dashboard indicators, computed by both databases."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from ivr.cli.store import contacts, db
from ivr.settings import Settings
from ivr.store.db import Store
from ivr.store.models import Contact, ContactEvent
from ivr.store.queries import (
    contact_by_ref,
    count_contacts,
    get_contact,
    indicators,
    list_contacts,
)

DAY1 = datetime(2026, 12, 1, tzinfo=UTC)


def call(hours: float, **fields: Any) -> Contact:
    return Contact(started_at=DAY1 + timedelta(hours=hours), caller="+33612345678", **fields)


@pytest.fixture
def seeded(store: Store) -> Store:
    """Four inbound calls in the period, one web form, one call the day before."""
    with store.session() as session:
        session.add_all([
            call(9 + 10 / 60, call_id="a", ref="SIM-A", target="etat-civil", queue="etat-civil",
                 outcome="answered", wait_seconds=30, talk_seconds=120, routed_by="dtmf",
                 menu_path="1>3", agent="agent-1",
                 events=[ContactEvent(seq=2, at=DAY1, kind="answered", data=None),
                         ContactEvent(seq=3, at=DAY1, kind="dtmf", data={"digit": "1"})]),
            call(9 + 40 / 60, call_id="b", target="etat-civil", queue="etat-civil",
                 outcome="answered", wait_seconds=90, routed_by="speech",
                 transcript="je voudrais un acte de naissance 100%"),
            call(24 + 14, call_id="c", target="urbanisme", queue="urbanisme",
                 outcome="abandoned_queue", wait_seconds=45, routed_by="dtmf"),
            call(24 + 23.5, call_id="d", target="horaires", outcome="info", routed_by="dtmf"),
            call(10, ref="WEB-1", channel="web", subject="Passeport perdu",
                 target="titres-identite"),
            call(-5, call_id="old", target="accueil", outcome="answered", queue="accueil"),
        ])  # fmt: skip
    return store


def test_list_filters_and_order(seeded: Store) -> None:
    with seeded.session() as s:
        assert [c.call_id for c in list_contacts(s, since=DAY1, target="etat-civil")] == ["b", "a"]
        assert [c.ref for c in list_contacts(s, text="passeport")] == ["WEB-1"]
        assert [c.call_id for c in list_contacts(s, text="100%")] == ["b"]
        assert [c.call_id for c in list_contacts(s, text="e%")] == []  # % is not a wildcard
        assert [c.call_id for c in list_contacts(s, until=DAY1)] == ["old"]
        assert len(list_contacts(s, limit=2, offset=5)) == 1
        assert count_contacts(s, since=DAY1, routed_by="dtmf") == 3


def test_get_contact_and_by_ref(seeded: Store) -> None:
    with seeded.session() as s:
        contact = contact_by_ref(s, "SIM-A")
        assert contact is not None
        same = get_contact(s, contact.id)
        assert same is not None
        assert [e.kind for e in same.events] == ["answered", "dtmf"]
        assert get_contact(s, 999_999) is None and contact_by_ref(s, "nope") is None


def test_indicators(seeded: Store) -> None:
    paris = ZoneInfo("Europe/Paris")
    with seeded.session() as s:
        ind = indicators(s, DAY1, DAY1 + timedelta(days=2), service_level_seconds=60, tz=paris)
    assert (ind.calls, ind.queued, ind.answered, ind.abandoned) == (4, 3, 2, 1)
    assert ind.answer_rate == pytest.approx(2 / 3)
    assert ind.abandonment_rate == pytest.approx(1 / 3)
    assert ind.average_speed_of_answer == pytest.approx(60)
    assert ind.service_level == pytest.approx(1 / 3)
    assert ind.per_day == {"2026-12-01": 2, "2026-12-02": 1, "2026-12-03": 1}
    assert ind.per_target["etat-civil"] == {"calls": 2, "answered": 2}
    assert ind.routed_by == {"dtmf": 0.75, "speech": 0.25}
    assert ind.outcomes == {"answered": 2, "abandoned_queue": 1, "info": 1}
    assert ind.busiest_hours[0] == 10
    assert json.dumps(ind.to_dict())


def test_indicators_of_an_empty_period(store: Store) -> None:
    with store.session() as s:
        ind = indicators(s, DAY1, DAY1 + timedelta(days=1), target="urbanisme")
    assert ind.calls == 0 and ind.answer_rate is None and ind.routed_by == {}


def settings_for(store: Store, tmp_path: Path) -> Settings:
    url = store.url.render_as_string(hide_password=False)
    return Settings.from_env({"TOWNHALL_HOME": str(tmp_path), "TOWNHALL_DB_URL": url})


def test_contacts_list_json(seeded: Store, tmp_path: Path) -> None:
    args = ["list", "--json", "--since", "2026-12-01", "--target", "etat-civil"]
    result = CliRunner().invoke(contacts, args, obj=settings_for(seeded, tmp_path))
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [r["ref"] for r in rows] == [None, "SIM-A"]
    first = rows[1]
    assert first["started_at"] == "2026-12-01T09:10:00+00:00"
    assert {k: first[k] for k in ("caller", "target", "routed_by", "outcome", "wait_seconds",
                                  "talk_seconds", "agent", "menu_path", "transcript")} == {
        "caller": "+33612345678", "target": "etat-civil", "routed_by": "dtmf",
        "outcome": "answered", "wait_seconds": 30, "talk_seconds": 120, "agent": "agent-1",
        "menu_path": "1>3", "transcript": None,
    }  # fmt: skip


def test_contacts_show_and_db_commands(seeded: Store, tmp_path: Path) -> None:
    settings = settings_for(seeded, tmp_path)
    with seeded.session() as s:
        contact = contact_by_ref(s, "SIM-A")
        assert contact is not None
    shown = CliRunner().invoke(contacts, ["show", str(contact.id)], obj=settings)
    assert shown.exit_code == 0, shown.output
    assert [e["kind"] for e in json.loads(shown.output)["events"]] == ["answered", "dtmf"]
    missing = CliRunner().invoke(contacts, ["show", "999999"], obj=settings)
    assert missing.exit_code == 1 and "introuvable" in missing.output
    assert CliRunner().invoke(db, ["upgrade"], obj=settings).exit_code == 0
    url = CliRunner().invoke(db, ["url"], obj=settings.with_(db_url="postgresql://u:pw@h/d"))
    assert url.output.strip() == "postgresql+psycopg://u:***@h/d"
