"""Answering a complaint from its request page: closed, answer queued for the citizen."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import datetime

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from ivr.store import requests as store_requests
from ivr.store.citizens import NewCitizen
from ivr.store.db import Store
from ivr.store.models import AuditLog, Message
from tests.fixtures.admin import NOW
from tests.fixtures.requests import RULES

pytestmark = pytest.mark.pg
T = datetime.fromisoformat(NOW)


def _complaint(store: Store, type_id: str = "reclamation") -> str:
    return store_requests.create_request(
        store, RULES, type_id=type_id, actor="test", at=T, channel="email",
        citizen=NewCitizen(emails=("usager@example.org",))).reference


def test_the_answer_form_closes_the_complaint_and_queues_the_mail(
        store: Store, as_user: Callable[[str], FlaskClient]) -> None:
    reference = _complaint(store)
    client = as_user("superviseur")
    page = html.unescape(client.get(f"/demandes/{reference}").text)
    assert "Réponse à l’usager" in page and 'id="repondre"' in page
    assert client.post(f"/marianne/accuse/{reference}").status_code == 302
    response = client.post(f"/marianne/reponse/{reference}",
                           data={"answer": "Le trottoir a été réparé."})
    assert response.status_code == 302
    view = store_requests.get_request(store, reference)
    assert view.closed_at is not None and view.answer == "Le trottoir a été réparé."
    with store.session() as session:
        ack, mail = session.scalars(select(Message).where(Message.request_id == view.id)
                                    .order_by(Message.id)).all()
        actions = set(session.scalars(select(AuditLog.action)))
    assert ack.subject == "Accusé de réception de votre réclamation"
    assert (mail.channel, mail.recipient, mail.body) == ("email", "usager@example.org",
                                                         "Le trottoir a été réparé.")
    assert {"request.answer", "request.acknowledge"} <= actions
    page = html.unescape(client.get(f"/demandes/{reference}").text)
    assert "Réponse envoyée le" in page and 'id="repondre"' not in page


def test_an_adopted_suggestion_says_so(store: Store,
                                       as_user: Callable[[str], FlaskClient]) -> None:
    reference = _complaint(store, "suggestion")
    client = as_user("admin")
    client.post(f"/marianne/reponse/{reference}", data={"answer": "Bancs posés.",
                                                        "adopted": "oui"})
    assert store_requests.get_request(store, reference).adopted is True
    assert "on l’a fait" in html.unescape(client.get(f"/demandes/{reference}").text)


def test_an_empty_answer_is_refused_on_the_page(store: Store,
                                                as_user: Callable[[str], FlaskClient]) -> None:
    reference = _complaint(store)
    response = as_user("superviseur").post(f"/marianne/reponse/{reference}",
                                           data={"answer": "  "})
    assert response.status_code == 400
    assert "La réponse à l'usager est obligatoire" in html.unescape(response.text)
    assert store_requests.get_request(store, reference).closed_at is None


def test_an_elu_cannot_answer(store: Store, as_user: Callable[[str], FlaskClient]) -> None:
    reference = _complaint(store)
    assert as_user("elu").post(f"/marianne/reponse/{reference}",
                               data={"answer": "x" * 10}).status_code == 403
