"""The web site's subscription with double opt-in through the API: e-mail link opened on
the public page, SMS code keyed; nothing recorded before; refusals in French JSON."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy import select

from ivr.store.citizens import find_citizen
from ivr.store.db import Store
from ivr.store.models import Message
from ivr.store.subscriptions import consent_register

WORDING = "J'accepte de recevoir le bulletin municipal de la mairie."


def _last_body(store: Store) -> str:
    with store.session() as session:
        row = session.scalars(select(Message).order_by(Message.id.desc())).first()
        assert row is not None
        return row.body


def test_email_link_then_public_page(client: FlaskClient, token: str, store: Store) -> None:
    auth = {"Authorization": f"Bearer {token}"}
    answer = client.post("/api/v1/subscriptions", headers=auth, json={
        "list": "bulletin", "wording": WORDING, "email": "alice@example.org"})
    assert answer.status_code == 202 and answer.get_json()["channel"] == "email"
    assert find_citizen(store, email="alice@example.org") is None
    link = re.search(r"https?://\S+/public/abonnements/confirmer\?jeton=([\w-]+)",
                     _last_body(store))
    assert link is not None
    page = client.get(f"/public/abonnements/confirmer?jeton={link.group(1)}")
    assert page.status_code == 200 and "est confirmé" in page.get_data(as_text=True)
    citizen = find_citizen(store, email="alice@example.org")
    assert citizen is not None
    assert consent_register(store, citizen.id)[0]["channel"] == "web"
    again = client.get(f"/public/abonnements/confirmer?jeton={link.group(1)}")
    assert again.status_code == 404 and "déjà utilisé" in again.get_data(as_text=True)


def test_sms_code(client: FlaskClient, token: str, store: Store) -> None:
    auth = {"Authorization": f"Bearer {token}"}
    asked = client.post("/api/v1/subscriptions", headers=auth, json={
        "list": "alertes", "wording": WORDING, "phone": "06 12 34 56 78"})
    assert asked.status_code == 202
    code = re.search(r"\b(\d{6})\b", _last_body(store))
    assert code is not None
    done = client.post("/api/v1/subscriptions/confirm", headers=auth,
                       json={"phone": "0612345678", "code": code.group(1)})
    assert done.status_code == 200 and done.get_json() == {"list": "alertes", "subscribed": True}
    refused = client.post("/api/v1/subscriptions/confirm", headers=auth,
                          json={"phone": "0612345678", "code": code.group(1)})
    assert refused.status_code == 404 and "déjà utilisé" in refused.get_json()["error"]


def test_bad_input(client: FlaskClient, token: str) -> None:
    auth = {"Authorization": f"Bearer {token}"}
    for body, status, words in (
            ({"list": "bulletin", "wording": WORDING, "phone": "+99 12 34"}, 422,
             "Numéro de téléphone invalide"),
            ({"list": "inconnue", "wording": WORDING, "email": "a@b.fr"}, 422, "Liste inconnue"),
            ({"list": "bulletin", "wording": WORDING}, 422, "soit un numéro")):
        answer = client.post("/api/v1/subscriptions", headers=auth, json=body)
        assert answer.status_code == status and words in answer.get_json()["error"]
    assert client.post("/api/v1/subscriptions", headers=auth, data=b"\xff").status_code == 400
    assert client.post("/api/v1/subscriptions", json={}).status_code == 401
    for _ in range(3):
        client.post("/api/v1/subscriptions", headers=auth,
                    json={"list": "bulletin", "wording": WORDING, "email": "a@b.fr"})
    assert client.post("/api/v1/subscriptions", headers=auth, json={
        "list": "bulletin", "wording": WORDING, "email": "a@b.fr"}).status_code == 429
