"""What operators do to a campaign, in the store (SQLite and PostgreSQL): prepared,
launched, a second refused unless confirmed, stopped and resumed, every step audited;
the live status (help first, with its request) and the report; the crisis line's PIN
(every failure audited, the line locked after a burst) and its launch."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ivr.alerts.adapters.crisis_pin import pin_path, set_pin
from ivr.alerts.adapters.message_audio import sound_path
from ivr.flow.alert_launch import (
    AlertLaunched,
    AlertRefused,
    CheckCrisisPin,
    LaunchAlert,
    PinChecked,
)
from ivr.store import alert_launch, alert_reports
from ivr.store.alert_phone_answers import LOCK_AFTER, check_crisis_pin, launch_by_phone
from ivr.store.db import Store
from ivr.store.models import AlertCampaign, AlertRecipient, AuditLog, Request, User
from tests.fixtures.alert_campaigns import T, import_register, launched, settle
from tests.fixtures.alerts import rules_with_cell
from tests.fixtures.requests import RULES

DRAFT = alert_launch.Draft("Crue", "alerte", "La rivière monte.", None, False)


def actions(store: Store) -> list[str]:
    with store.session() as session:
        return list(session.scalars(select(AuditLog.action).where(
            AuditLog.action.like("alerte%")).order_by(AuditLog.id)))


def test_launch_second_confirm_stop_resume_all_audited(store: Store) -> None:
    first = launched(store, title="Première")
    second = alert_launch.prepare(store, RULES.alerts, DRAFT, actor="maire", via="admin", at=T)
    with pytest.raises(alert_launch.LaunchRefused) as refused:
        alert_launch.launch(store, second, actor="maire", confirm_second=False,
                            at=T)
    assert refused.value.code == "running" and "« Première » est en cours" in \
        refused.value.message
    done = alert_launch.launch(store, second, actor="api:maire", confirm_second=True,
                               at=T)
    assert done == alert_launch.Launched(second, 3, False)
    with pytest.raises(alert_launch.LaunchRefused) as again:
        alert_launch.launch(store, second, actor="api:maire", confirm_second=True, at=T)
    assert again.value.code == "not_draft"
    alert_launch.stop(store, first, actor="maire", at=T)
    with pytest.raises(alert_launch.LaunchRefused):
        alert_launch.stop(store, first, actor="maire", at=T)
    alert_launch.resume(store, first, actor="maire", at=T)
    assert actions(store) == ["alerte_registre_importe", "alerte_preparee",
                              "alerte_lancee", "alerte_preparee", "alerte_lancee",
                              "alerte_arretee", "alerte_reprise"]
    with store.session() as session:
        audit = session.scalars(select(AuditLog).where(AuditLog.action == "alerte_lancee")
                                .order_by(AuditLog.id.desc())).first()
        assert audit is not None and audit.detail == {
            "via": "admin", "title": "Crue", "test_mode": False, "confirmed_over": [first]}
        assert audit.username == "api:maire"


def test_live_status_and_report(store: Store) -> None:
    campaign_id = launched(store)
    settle(store, campaign_id, "+33612345679", "echec", [("rejected", "appel refusé")])
    settle(store, campaign_id, "+33612345678", "aide", [("busy", None), ("help", None)])
    with store.session() as session:
        request = session.scalars(select(Request)).first()
        person = session.scalars(select(AlertRecipient).where(
            AlertRecipient.number == "+33612345678")).one()
        if request is not None:
            person.help_request_id = request.id
    live = alert_reports.live_status(store, campaign_id)
    assert live is not None and live.total == 3
    assert live.counts == {"aide": 1, "echec": 1, "en_attente": 1}
    assert [p.name for p in live.help] == ["Mme Léa Martin"]
    assert [p.last_reason for p in live.failed] == ["appel refusé"]
    assert [p.name for p in live.pending] == ["Mme Zoé Roux"]
    campaign, people = alert_reports.report(store, campaign_id) or (None, [])
    assert campaign is not None and campaign.message_text
    assert [len(p.attempts) for p in people] == [2, 1, 0]  # the vulnerable first
    assert people[0].attempts[1].result == "help"
    assert alert_reports.live_status(store, 999) is None and not alert_reports.report(store, 999)
    [row] = alert_reports.campaigns(store)
    assert (row.total, row.done) == (3, 2)


def test_wrong_pins_are_audited_then_the_line_locks(store: Store, tmp_path: Path) -> None:
    pin = pin_path(tmp_path)
    set_pin(pin, "480517")
    test_draft = replace(DRAFT, test_mode=True)  # the crisis cell: no register needed
    draft = alert_launch.prepare(store, rules_with_cell().alerts, test_draft, actor="maire",
                                 via="admin", at=T)
    ok = check_crisis_pin(store, CheckCrisisPin("c1", "+33611111111", "480517", 1, T),
                          pin_file=pin)
    assert ok.ok and [p.campaign_id for p in ok.prepared] == [draft]
    for attempt in range(1, LOCK_AFTER + 1):
        wrong = check_crisis_pin(store, CheckCrisisPin("c2", None, "000000", attempt, T),
                                 pin_file=pin)
        assert wrong == PinChecked(False, locked=False)
    locked = check_crisis_pin(store, CheckCrisisPin("c3", None, "480517", 1, T), pin_file=pin)
    assert locked == PinChecked(False, locked=True)
    later = check_crisis_pin(store, CheckCrisisPin("c4", None, "480517", 1,
                                                   T + timedelta(minutes=16)), pin_file=pin)
    assert later.ok
    with store.session() as session:
        rows = session.scalars(select(AuditLog).where(
            AuditLog.action == "alerte_code_refuse").order_by(AuditLog.id)).all()
    assert len(rows) == LOCK_AFTER + 1 and rows[2].detail["hung_up"] is True
    assert rows[0].username == "telephone:masqué" and "000000" not in str(rows[0].detail)


def test_launch_by_phone_from_a_draft_or_a_recording(store: Store, tmp_path: Path) -> None:
    rules = rules_with_cell()
    import_register(store)
    draft = alert_launch.prepare(store, rules.alerts, DRAFT, actor="maire", via="admin", at=T)
    recording = tmp_path / "rec" / "c1_ab_3.wav"
    recording.parent.mkdir()
    subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", str(recording), "synth", "2", "sine",
                    "300"], check=True, timeout=30)

    def ask(**fields: object) -> AlertLaunched | AlertRefused:
        query = LaunchAlert(**{"call_id": "c1", "caller": "+33611111111", "campaign_id": None,
                               "recording": None, "test_mode": False, "confirm_second": False,
                               "at": T, **fields})  # type: ignore[arg-type]
        return launch_by_phone(store, query, rules=lambda: rules,
                               recording_path=lambda n: tmp_path / "rec" / f"{n}.wav",
                               sounds_dir=tmp_path / "sounds")

    tested = ask(campaign_id=draft, test_mode=True)  # a test copy; the draft stays
    assert isinstance(tested, AlertLaunched) and tested.test_mode and tested.recipients == 2
    assert ask(recording="c1_ab_3") == AlertRefused("running", "Crue")
    real = ask(recording="c1_ab_3", confirm_second=True)
    assert isinstance(real, AlertLaunched) and real.recipients == 3 and not real.test_mode
    with store.session() as session:
        campaign = session.get(AlertCampaign, real.campaign_id)
        assert campaign is not None and campaign.created_via == "telephone"
        assert campaign.message_audio == f"sounds/{campaign.message_audio.split('/')[1]}"
        assert sound_path(tmp_path / "sounds", campaign.message_audio).is_file()
        assert session.get(AlertCampaign, draft).status == "brouillon"  # type: ignore[union-attr]
    assert ask(recording="absent", confirm_second=True) == AlertRefused("gone")


def test_the_store_accepts_the_crisis_role(store: Store) -> None:
    """Migration 0010_alerts_ui: « crise » is a role; an unknown one is still refused."""
    with store.session() as session:
        session.add(User(username="cellule", password_hash="x", role="crise"))
    with pytest.raises(IntegrityError), store.session() as session:
        session.add(User(username="maire", password_hash="x", role="maire"))
