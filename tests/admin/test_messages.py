"""The messages page and Kannel's two callbacks (secret token, hostile parameters)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient

from ivr.messages.adapters.wiring import SMS_TOKEN
from ivr.settings import Settings
from ivr.store import messages as outbox
from ivr.store.db import Store

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)


def test_log_filters_and_lists(store: Store, as_user: Callable[[str], FlaskClient]) -> None:
    with store.session() as session:
        outbox.enqueue(session, channel="sms", recipient="+33612345678", body="Texte SMS",
                       purpose="direct", now=NOW)
        outbox.enqueue(session, channel="email", recipient="a@example.org", body="Corps",
                       subject="Objet du courriel", purpose="direct", now=NOW)
    client = as_user("superviseur")
    page = client.get("/messages/").get_data(as_text=True)
    assert "Texte SMS" in page and "Objet du courriel" in page and "Bulletin municipal" in page
    only_sms = client.get("/messages/?canal=sms&etat=pending").get_data(as_text=True)
    assert "Texte SMS" in only_sms and "Objet du courriel" not in only_sms
    assert client.get("/messages/?etat=<script>").status_code == 200


@pytest.mark.parametrize("query", [
    "", "token=faux", "token=faux&id=1&type=1",
])
def test_callbacks_refuse_a_wrong_token(client: FlaskClient, query: str) -> None:
    for path in ("/api/v1/sms/dlr", "/api/v1/sms/incoming"):
        answer = client.get(f"{path}?{query}")
        assert answer.status_code == 401
        assert answer.get_json() == {"error": "Jeton absent ou invalide."}


@pytest.mark.parametrize(("query", "status"), [
    ("id=abc&type=1&attempt=x", 400), ("id=1&type=&attempt=x", 400),
    ("id=99999999999999&type=1", 400), ("id=12345&type=1&attempt=x", 404),
])
def test_delivery_report_bad_input(client: FlaskClient, settings: Settings, query: str,
                                   status: int) -> None:
    token = settings.secret(SMS_TOKEN)
    answer = client.get(f"/api/v1/sms/dlr?token={token}&{query}")
    assert answer.status_code == status and "error" in answer.get_json()


def test_incoming_without_sender_is_a_400(client: FlaskClient, settings: Settings) -> None:
    token = settings.secret(SMS_TOKEN)
    answer = client.get(f"/api/v1/sms/incoming?token={token}&text=STOP")
    assert answer.status_code == 400
    assert answer.get_json() == {"error": "Paramètre « from » manquant."}


def test_an_unknown_attempt_is_resent_only_by_an_agent_once(
        store: Store, as_user: Callable[[str], FlaskClient]) -> None:
    from ivr.store.models import Message

    with store.session() as session:
        row = outbox.enqueue(session, channel="sms", recipient="+33612345678", body="Texte",
                             purpose="direct", now=NOW)
        [claimed] = outbox.claim_due(session, NOW, "w", 10, 60)
        outbox.mark_unknown(session, claimed.attempt_id or "", "réponse perdue", NOW)
        message_id = row.id
    assert as_user("agent-ec").post(f"/messages/{message_id}/renvoyer").status_code == 403
    client = as_user("superviseur")
    assert "Renvoyer (vérifié non reçu)" in client.get("/messages/?etat=unknown").get_data(
        as_text=True)
    assert client.post(f"/messages/{message_id}/renvoyer").status_code == 302
    again = client.post(f"/messages/{message_id}/renvoyer", follow_redirects=True)
    assert "plus à vérifier" in again.get_data(as_text=True)
    with store.session() as session:
        resent = session.get_one(Message, message_id)
        assert (resent.state, resent.reason) == ("pending", "renvoi demandé par superviseur")
