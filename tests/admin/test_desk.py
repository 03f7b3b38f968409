"""« Mon poste »: a ring of the agent's phone reaches their open page as a server-sent
event, and the caller's card shows the call, their open requests and last contacts."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

from flask import Flask
from flask.testing import FlaskClient

from admin.live_queues import get_live
from ivr.store.db import Store
from ivr.store.models import Callback, Contact
from ivr.store.requests import NewCitizen, create_request
from ivr.telephony.queue_events import AgentRinging, parse_event
from tests.fixtures.requests import RULES

AT = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def test_agent_called_is_a_ring_for_the_desk() -> None:
    headers = {"Event": "AgentCalled", "Queue": "etat-civil", "Uniqueid": "1.7",
               "CallerIDNum": "0612345678", "Interface": "PJSIP/agent-etat-civil-1"}
    assert parse_event(headers, AT) == AgentRinging("etat-civil", AT, "1.7", "0612345678",
                                                    "PJSIP/agent-etat-civil-1")


def test_a_ring_reaches_the_agents_open_page_and_shows_the_caller(
        app: Flask, store: Store, as_user: Callable[[str], FlaskClient]) -> None:
    create_request(store, RULES, type_id="acte-naissance", at=AT, actor="test",
                   citizen=NewCitizen(name="Camille Martin", phones=("0612345678",)))
    with store.session() as session:
        session.add(Contact(call_id="1.7", channel="phone", started_at=AT, caller="0612345678",
                            target="etat-civil", menu_path="11", routed_by="dtmf"))
        session.add(Contact(call_id="0.3", channel="phone", started_at=AT, caller="0612345678",
                            target="etat-civil", outcome="answered"))
    client = as_user("agent-ec")
    assert client.get("/poste/flux").status_code == 409  # no poste chosen yet
    assert client.post("/poste/", data={"poste": "agent-urbanisme-1"}).status_code == 302
    assert "Choisissez un poste de votre service" in client.get("/poste/").text
    client.post("/poste/", data={"poste": "agent-etat-civil-1"})
    assert "État civil 1" in client.get("/poste/").text

    stream = client.get("/poste/flux", buffered=False)
    assert stream.mimetype == "text/event-stream"
    chunks = iter(stream.response)
    assert next(chunks).startswith(b": ")  # connected: the desk is listening
    with app.app_context():
        ring = AgentRinging("etat-civil", AT, "1.7", "0612345678", "PJSIP/agent-etat-civil-1")
        other = AgentRinging("urbanisme", AT, "1.8", "0699999999", "PJSIP/agent-urbanisme-1")
        assert get_live().desks.publish(other) == 0  # another agent's phone: not this page
        assert get_live().desks.publish(ring) == 1
    event = next(chunks).decode()
    stream.close()
    assert event.startswith("event: appel\n")
    data = json.loads(event.split("data: ", 1)[1])
    assert data == {"call": "1.7", "caller": "0612345678", "queue": "etat-civil"}

    card = client.get("/poste/appel/1.7?numero=0612345678&file=etat-civil").text
    assert "Appel de Camille Martin (06 12 34 56 78) pour État civil" in card  # the citizen known
    assert "11" in card and "Clavier" in card  # what they keyed in the IVR
    assert "Aucune demande en cours" not in card and "échéance" in card  # their open request
    assert "Répondu" in card  # their previous call
    assert "telephone=0612345678" in card  # « Créer une demande » with the number ready


def test_the_desk_promises_a_callback(store: Store,
                                      as_user: Callable[[str], FlaskClient]) -> None:
    client = as_user("agent-ec")
    done = client.post("/poste/rappel", data={"numero": "0612345678", "file": "etat-civil",
                                              "appel": "1.9"})
    assert done.status_code == 302
    bad = client.post("/poste/rappel", data={"numero": "12", "file": "etat-civil"},
                      follow_redirects=True)
    assert "Rappel non programmé : numéro invalide" in bad.text
    with store.session() as session:
        assert [(c.number, c.target) for c in session.query(Callback)] == [
            ("+33612345678", "etat-civil")]
