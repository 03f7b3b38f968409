"""Callbacks worklist: late/pending lists, claim, click-to-call, result, reschedule, cancel."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ivr.store.db import Store
from ivr.store.models import AuditLog, Callback
from ivr.telephony.queue_events import QueueView
from tests.fixtures.admin import NOW, PASSWORD

AT = datetime.fromisoformat(NOW)


@dataclass
class FakeAmi:
    """Connected AMI that records originates."""

    calls: list[tuple[str, str, str, str, int]] = field(default_factory=list)

    def wait_connected(self, timeout: float) -> bool:
        return True

    def views(self) -> dict[str, QueueView]:
        return {}

    def pause(self, queue: str, member: str, paused: bool = True, reason: str = "") -> None:
        raise AssertionError("not used")

    def originate(
        self, channel: str, application: str, data: str, caller_id: str, timeout_ms: int
    ) -> None:
        self.calls.append((channel, application, data, caller_id, timeout_ms))


def _callback(store: Store, target: str, number: str, promised_in: timedelta) -> int:
    with store.session() as session:
        row = Callback(
            number=number, target=target, promised_before=AT + promised_in, due_at=AT
        )
        session.add(row)
        session.flush()
        return row.id


def _row(store: Store, callback_id: int) -> Callback:
    with store.session() as session:
        row = session.get(Callback, callback_id)
        assert row is not None
        return row


@pytest.fixture
def ami() -> FakeAmi:
    return FakeAmi()


@pytest.fixture
def agent(make_app: Callable[..., Flask], ami: FakeAmi) -> FlaskClient:
    client = make_app(AMI_LISTENER=ami).test_client()
    client.post("/login", data={"username": "agent-ec", "password": PASSWORD})
    return client


def test_late_and_pending_lists_per_department(
    store: Store, make_app: Callable[..., Flask], agent: FlaskClient
) -> None:
    late = _callback(store, "etat-civil", "+33611111111", -timedelta(minutes=5))
    pending = _callback(store, "etat-civil", "+33622222222", timedelta(hours=2))
    other = _callback(store, "urbanisme", "+33633333333", -timedelta(hours=1))
    page = agent.get("/callbacks/").text
    late_part, pending_part = page.split("En retard")[1].split("À rappeler (")
    assert f'id="rappel-{late}"' in late_part and f'id="rappel-{pending}"' not in late_part
    assert f'id="rappel-{pending}"' in pending_part and "+33633333333" not in page
    assert agent.post(f"/callbacks/{other}/claim").status_code == 404
    chief = make_app().test_client()
    chief.post("/login", data={"username": "superviseur", "password": PASSWORD})
    assert f'id="rappel-{other}"' in chief.get("/callbacks/").text


def test_claim_call_and_record_result(store: Store, agent: FlaskClient, ami: FakeAmi) -> None:
    cb = _callback(store, "etat-civil", "+33611111111", timedelta(hours=1))
    refused = agent.post(f"/callbacks/{cb}/call", data={"agent": "agent-etat-civil-1"},
                         follow_redirects=True)  # fmt: skip
    assert "Prenez d’abord ce rappel en charge" in refused.text and ami.calls == []
    agent.post(f"/callbacks/{cb}/claim")
    assert _row(store, cb).claimed_by == "agent-ec"
    assert agent.post(f"/callbacks/{cb}/call", data={"agent": "intrus"}).status_code == 400
    agent.post(f"/callbacks/{cb}/call", data={"agent": "agent-etat-civil-1"})
    assert ami.calls == [("PJSIP/agent-etat-civil-1", "Dial",
                          "PJSIP/0611111111@citizen-trunk,45",
                          '"Rappel 0611111111" <0611111111>', 30000)]  # fmt: skip
    agent.post(f"/callbacks/{cb}/result", data={"outcome": "reached", "note": "RDV pris"})
    row = _row(store, cb)
    assert (row.state, row.outcome, row.note) == ("done", "reached", "RDV pris")
    assert row.completed_at is not None and timedelta(0) <= row.completed_at - AT < timedelta(
        minutes=1
    )
    again = agent.post(f"/callbacks/{cb}/claim", follow_redirects=True)
    assert "a changé d’état entre-temps" in again.text
    with store.session() as session:
        actions = [
            a.action for a in session.query(AuditLog).filter(AuditLog.action.like("callback.%"))
        ]
    assert actions == ["callback.claim", "callback.call", "callback.result"]


def test_reschedule_and_cancel(store: Store, agent: FlaskClient) -> None:
    first = _callback(store, "etat-civil", "+33611111111", -timedelta(minutes=1))
    second = _callback(store, "etat-civil", "+33622222222", timedelta(hours=1))
    agent.post(
        f"/callbacks/{first}/reschedule", data={"due_at": "2026-12-03T09:30", "note": "demain"}
    )
    row = _row(store, first)
    assert row.due_at == datetime(2026, 12, 3, 8, 30, tzinfo=UTC) and row.note == "demain"
    assert "Indiquez le motif" in agent.post(f"/callbacks/{second}/cancel", data={"reason": ""},
                                             follow_redirects=True).text  # fmt: skip
    agent.post(f"/callbacks/{second}/cancel", data={"reason": "doublon"})
    assert (_row(store, second).state, _row(store, second).note) == ("cancelled", "doublon")
    assert f'id="rappel-{second}"' not in agent.get("/callbacks/").text


def test_kept_indicator_uses_the_completion_time(
    store: Store, as_user: Callable[[str], FlaskClient]
) -> None:
    kept = _callback(store, "etat-civil", "+33611111111", timedelta(hours=1))
    missed = _callback(store, "etat-civil", "+33622222222", timedelta(hours=1))
    with store.session() as session:
        for cid, done_at in ((kept, AT), (missed, AT + timedelta(hours=2))):
            row = session.get(Callback, cid)
            assert row is not None
            row.state, row.completed_at = "done", done_at
    assert "1 sur 2 rappel(s)" in as_user("elu").get("/?start=2026-12-02&end=2026-12-02").text
