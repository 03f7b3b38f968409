"""Live queues page: waiting callers and agent states from AMI, pause/unpause, no AMI."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from admin.live_queues import get_live
from ivr.settings import Settings
from ivr.stack.peer_files import write_status
from ivr.stack.peers import PeerStatus
from ivr.store.db import Store
from ivr.store.models import AuditLog
from ivr.telephony.ami import AmiError
from ivr.telephony.queue_events import CallerJoined, CallerLeft, MemberState, QueueView
from tests.fixtures.admin import PASSWORD
from tests.fixtures.db import sqlite_url


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """Live views come from AMI, not from the database:
    SQLite only (the store's features run on both databases in their own tests)."""
    return sqlite_url(tmp_path)


@dataclass
class FakeListener:
    """Stands for ``AmiListener``: fixed views, records pauses, may refuse them."""

    connected: bool = True
    refuse: bool = False
    paused: list[tuple[str, str, bool]] = field(default_factory=list)
    queues: dict[str, QueueView] = field(default_factory=dict)

    def wait_connected(self, timeout: float) -> bool:
        return self.connected

    def views(self) -> dict[str, QueueView]:
        return self.queues

    def pause(self, queue: str, member: str, paused: bool = True, reason: str = "") -> None:
        if self.refuse:
            raise AmiError("QueuePause: Interface not found")
        self.paused.append((queue, member, paused))


@pytest.fixture
def ami() -> FakeListener:
    members = {
        "PJSIP/agent-etat-civil-1": MemberState(status=1),
        "PJSIP/agent-etat-civil-2": MemberState(status=2, in_call=True),
        "PJSIP/agent-etat-civil-3": MemberState(status=1, paused=True),
        "PJSIP/agent-etat-civil-4": MemberState(status=5),
    }
    return FakeListener(queues={"etat-civil": QueueView("etat-civil", ["1.1", "1.2"], members)})


@pytest.fixture
def live_client(make_app: Callable[..., Flask], ami: FakeListener) -> FlaskClient:
    app = make_app(AMI_LISTENER=ami)
    with app.app_context():
        joined = app.config["TOWNHALL_CLOCK"].now() - timedelta(seconds=75)
        get_live().on_event(CallerJoined("etat-civil", joined, "1.1", "0611223344", 1))
        get_live().on_event(CallerJoined("etat-civil", joined, "1.9", "0699999999", 2))
        get_live().on_event(CallerLeft("etat-civil", joined, "1.9"))
    client = app.test_client()
    client.post("/login", data={"username": "superviseur", "password": PASSWORD})
    return client


def test_live_view_shows_waiting_callers_and_agent_states(live_client: FlaskClient) -> None:
    page = live_client.get("/queues/").text
    assert '<meta http-equiv="refresh" content="5">' in page
    section = page.split('id="file-etat-civil"')[1].split("</section>")[0]
    assert "2 appel(s) en attente" in section
    assert "0611223344" in section and "0699999999" not in section
    assert re.search(r">1 min 1\d s<", section)  # 75 s, and the clock flows during the test
    # agents by their name in the rules; one the rules do not know by its id, never its channel
    names = {1: "État civil 1", 2: "agent-etat-civil-2", 3: "agent-etat-civil-3",
             4: "agent-etat-civil-4"}
    for agent, state in [(1, "Disponible"), (2, "En communication"), (3, "En pause"),
                         (4, "Indisponible")]:  # fmt: skip
        assert f'<td>{names[agent]}</td><td class="agent-' in section
        assert state in section.split(f"<td>{names[agent]}</td>")[1].split("</tr>")[0]
    assert "Reprendre agent-etat-civil-3" in section and "PJSIP/" not in section.replace(
        'value="PJSIP/', "")


def test_pause_and_unpause_are_sent_and_audited(
    live_client: FlaskClient, ami: FakeListener, store: Store
) -> None:
    member = "PJSIP/agent-etat-civil-1"
    live_client.post("/queues/pause", data={"queue": "etat-civil", "member": member, "paused": "y"})
    live_client.post("/queues/pause", data={"queue": "etat-civil", "member": member})
    assert ami.paused == [("etat-civil", member, True), ("etat-civil", member, False)]
    with store.session() as session:
        actions = [a.action for a in session.query(AuditLog).filter(AuditLog.object.like("etat%"))]
    assert actions == ["queue.pause", "queue.unpause"]
    stranger = {"queue": "etat-civil", "member": "PJSIP/x", "paused": "y"}
    unknown = live_client.post("/queues/pause", data=stranger, follow_redirects=True)
    assert "Agent introuvable" in unknown.text and len(ami.paused) == 2


def test_refused_pause_is_explained_not_audited(
    live_client: FlaskClient, ami: FakeListener, store: Store
) -> None:
    ami.refuse = True
    page = live_client.post("/queues/pause", follow_redirects=True, data={
        "queue": "etat-civil", "member": "PJSIP/agent-etat-civil-1", "paused": "y"})  # fmt: skip
    assert "a refusé l’action" in page.text
    with store.session() as session:
        assert session.query(AuditLog).filter(AuditLog.action.like("queue.%")).count() == 0


def test_unreachable_ami_says_so_in_french(live_client: FlaskClient, ami: FakeListener) -> None:
    ami.connected = False
    page = live_client.get("/queues/").text
    assert "le serveur téléphonique (AMI) est injoignable" in page and "État civil" in page
    assert 'id="file-etat-civil"' not in page
    assert (
        live_client.post(
            "/queues/pause", data={"queue": "etat-civil", "member": "PJSIP/agent-etat-civil-1"}
        ).status_code
        == 302
    )
    assert ami.paused == []


def test_agents_may_not_pause(make_app: Callable[..., Flask], ami: FakeListener) -> None:
    client = make_app(AMI_LISTENER=ami).test_client()
    client.post("/login", data={"username": "agent-ec", "password": PASSWORD})
    assert (
        client.post(
            "/queues/pause", data={"queue": "etat-civil", "member": "PJSIP/agent-etat-civil-1"}
        ).status_code
        == 403
    )
    assert ami.paused == []


def test_services_table_shows_each_queue_limit(live_client: FlaskClient) -> None:
    page = live_client.get("/queues/").text
    assert "Appelants en attente (max.)" in page
    table = page.split("Services et appels d’aujourd’hui")[1]
    row = table.split('<th scope="row">État civil</th>')[1].split("</tr>")[0]
    assert '<td class="num">10</td>' in row  # routing_rules.yaml leaves the default


def test_the_ivr_processes_are_shown_with_their_calls_and_last_event(
        make_app: Callable[..., Flask], ami: FakeListener, settings: Settings) -> None:
    """Process 0 takes calls, process 1 died (its status stays, its pid is gone), a third
    configured process never started."""
    settings = settings.with_(ivr_processes=3)
    now = time.time()
    write_status(settings, PeerStatus(0, os.getpid(), True, 4, now - 2.0, now,
                                      facts_since=now - 60))
    (settings.home / "run" / "ivr-app.ready").write_text(f"{os.getpid()}\n")
    write_status(settings, PeerStatus(1, 999_999_999, True, 7, None, now))
    app = make_app(AMI_LISTENER=ami, TOWNHALL_SETTINGS=settings)
    client = app.test_client()
    client.post("/login", data={"username": "superviseur", "password": PASSWORD})
    section = client.get("/queues/").text.split('id="processus-ivr"')[1].split("</section>")[0]
    rows = [row.split("</tr>")[0] for row in section.split("<tr>")[2:]]
    assert f"<td class=\"num\">{os.getpid()}</td>" in rows[0] and "En service" in rows[0]
    assert '<td class="num">4</td>' in rows[0] and re.search(r"il y a \d+ s", rows[0])
    assert "Les enregistre" in rows[0]  # the queue facts: no lower process records them
    assert "Arrêté ou en redémarrage" in rows[1] and "Aucun" in rows[1]
    assert "Aucun lu" in rows[1]  # dead: it reads nothing
    assert "Jamais démarré" in rows[2]
