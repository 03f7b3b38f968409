"""The crisis line through the real stack (one stack for the module): a SIPp call keys
the PIN, records a message, hears it back and launches it as a test → a test-mode
campaign started by telephone, its recording installed as a sound; three wrong PINs
→ the line hangs up and each attempt is audited."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future

import pytest
from sqlalchemy import select

from ivr.alerts.adapters.crisis_pin import pin_path, set_pin
from ivr.alerts.adapters.message_audio import sound_path
from ivr.simulate import AgentPhone, CallResult
from ivr.sipp.scenario import Dtmf, Say, Wait
from ivr.store.db import Store
from ivr.store.models import AlertCampaign, AuditLog
from tests.fixtures.stack import running_stack
from townhall_support.stack import Stack
from townhall_support.wait import eventually

pytestmark = pytest.mark.e2e
PIN = "480517"


@pytest.fixture(scope="module")
def crisis_line(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack whose extension « crise » is the crisis line, with a PIN set."""
    with AgentPhone(mode="answer") as agent, running_stack(
            tmp_path_factory, agent, sections={
                "crisis_line": {"numbers": ["crise"]},
                "alerts": {"crisis_cell": [{"name": "Maire", "number": "06 11 11 11 11"}]},
            }) as stack:
        set_pin(pin_path(stack.settings.home), PIN)
        yield stack


@pytest.fixture(scope="module")
def wrong_pins(crisis_line: Stack) -> Future[CallResult]:
    """A caller keying three wrong PINs, placed at once so it runs beside the first test
    (the module's wall time is its longest call, not their sum)."""
    steps = [Wait(2), Dtmf("111222#"), Wait(4), Dtmf("333444#"), Wait(4), Dtmf("555666#"),
             Wait(6)]
    return crisis_line.start_call(steps=steps, called="crise", hold_seconds=6)


def test_a_call_with_the_pin_launches_a_test_campaign(crisis_line: Stack,
                                                      wrong_pins: Future[CallResult]) -> None:
    steps = [Wait(2), Dtmf(PIN + "#"), Wait(7),
             Say("Alerte crue. La rivière déborde, montez à l'étage."), Dtmf("#"),
             Wait(4), Dtmf("3"), Wait(8)]
    result = crisis_line.call(steps=steps, called="crise", hold_seconds=2)
    assert result.answered
    store = Store(crisis_line.settings.db_url)
    try:
        def launched() -> AlertCampaign | None:
            with store.session() as session:
                return session.scalars(select(AlertCampaign).where(
                    AlertCampaign.created_via == "telephone")).first()
        campaign = eventually(launched, timeout=20)
        assert campaign is not None, crisis_line.app_log()
        assert campaign.test_mode and campaign.status in ("en_cours", "terminee")
        assert campaign.message_audio is not None  # a sound Asterisk plays: townhall/alerte-…
        sound = sound_path(crisis_line.settings.sounds_dir, campaign.message_audio)
        assert sound.read_bytes()[:4] == b"RIFF"
        with store.session() as session:
            audit = session.scalars(select(AuditLog).where(
                AuditLog.action == "alerte_lancee")).one()
            assert audit.detail["via"] == "telephone" and audit.detail["test_mode"] is True
            assert (audit.username or "").startswith("telephone:")
        contact = crisis_line.contact(result.ref, wait=10, until=lambda c: c["outcome"])
        assert contact is not None
        kinds = [e["kind"] for e in contact["events"]]
        assert "alert_launched" in kinds, kinds
        assert PIN not in str(contact) and PIN not in crisis_line.app_log()
    finally:
        store.dispose()


def test_three_wrong_pins_hang_up_and_are_audited(crisis_line: Stack,
                                                  wrong_pins: Future[CallResult]) -> None:
    result = wrong_pins.result()
    assert result.answered
    store = Store(crisis_line.settings.db_url)
    try:
        def refused() -> list[AuditLog]:
            with store.session() as session:
                return list(session.scalars(select(AuditLog).where(
                    AuditLog.action == "alerte_code_refuse")))
        rows = eventually(refused, timeout=15, until=lambda r: len(r) == 3)
        assert [r.detail["attempt"] for r in rows] == [1, 2, 3], crisis_line.app_log()
        assert rows[-1].detail["hung_up"] is True
        assert all("111222" not in str(r.detail) for r in rows)
        assert result.hangup == "remote"  # the line hung up, not the caller
    finally:
        store.dispose()
