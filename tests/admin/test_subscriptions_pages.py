"""Lists at the counter: an agent subscribes a citizen with the proof; « send to a list »
is paced, shows its progress, and a form submitted twice starts one broadcast."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask.testing import FlaskClient
from sqlalchemy import func, select

from ivr.store.citizens import find_citizen
from ivr.store.db import Store
from ivr.store.message_chores import queue_due
from ivr.store.models import MessageBroadcast
from ivr.store.subscriptions import consent_register
from tests.fixtures.admin import NOW
from tests.fixtures.requests import RULES

WORDING = "J’accepte de recevoir le bulletin municipal."


def test_an_agent_subscribes_a_citizen_at_the_counter(
        store: Store, as_user: Callable[[str], FlaskClient]) -> None:
    client = as_user("agent-ec")
    assert "J’accepte de recevoir" in client.get("/messages/listes/inscrire").get_data(as_text=True)
    answer = client.post("/messages/listes/inscrire", data={
        "phone": "06 12 34 56 78", "list_name": "bulletin", "action": "inscrire",
        "wording": WORDING})
    assert answer.status_code == 302
    citizen = find_citizen(store, phone="+33612345678")
    assert citizen is not None
    [row] = consent_register(store, citizen.id)
    assert (row["purpose"], row["granted"], row["channel"], row["actor"], row["wording"]) == \
        ("liste:bulletin", True, "counter", "agent-ec", WORDING)


def test_bad_contact_points_are_refused_at_their_field(
        as_user: Callable[[str], FlaskClient]) -> None:
    client = as_user("agent-ec")
    for data, message in (({"phone": "12"}, "Numéro de téléphone invalide"),
                          ({"email": "pas-une-adresse"}, "Adresse électronique invalide"),
                          ({}, "Indiquez le téléphone ou le courriel")):
        page = client.post("/messages/listes/inscrire", data={
            "list_name": "bulletin", "action": "inscrire", "wording": WORDING, **data})
        assert page.status_code == 200 and message in page.get_data(as_text=True)


def test_send_to_a_list_once_with_progress(
        store: Store, as_user: Callable[[str], FlaskClient]) -> None:
    client = as_user("agent-ec")
    client.post("/messages/listes/inscrire", data={
        "phone": "0612345678", "list_name": "bulletin", "action": "inscrire", "wording": WORDING})
    client = as_user("superviseur")
    assert client.get("/messages/listes/diffusion").status_code == 200
    form = {"key": "cle-du-formulaire", "list_name": "bulletin", "subject": "Décembre",
            "body": "Marché de Noël samedi.", "per_minute": "30"}
    started = client.post("/messages/listes/diffusion", data=form)
    assert started.status_code == 302
    again = client.post("/messages/listes/diffusion", data=form).get_data(as_text=True)
    assert "déjà lancée" in again
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(MessageBroadcast)) == 1
    assert queue_due(store, RULES, datetime.fromisoformat(NOW)) == 1
    page = client.get(started.headers["Location"]).get_data(as_text=True)
    assert "1 messages préparés sur 1 abonnés" in page and "En attente" in page
    bad = client.post("/messages/listes/diffusion", data={**form, "key": "k2",
                                                          "per_minute": "0"})
    assert "De 1 à 600 messages par minute." in bad.get_data(as_text=True)
    assert client.get("/messages/listes/diffusion/999").status_code == 404
    assert as_user("agent-ec").get("/messages/listes/diffusion").status_code == 403


def test_the_consent_register_and_its_export(
        store: Store, as_user: Callable[[str], FlaskClient]) -> None:
    as_user("agent-ec").post("/messages/listes/inscrire", data={
        "phone": "0612345678", "list_name": "bulletin", "action": "inscrire", "wording": WORDING})
    client = as_user("superviseur")
    page = client.get("/messages/listes/registre?phone=06+12+34+56+78").get_data(as_text=True)
    assert "liste:bulletin" in page and WORDING in page and "agent-ec" in page
    export = client.get("/messages/listes/registre?phone=0612345678&format=json")
    assert export.headers["Content-Disposition"].startswith("attachment")
    assert export.get_json()["consents"][0]["wording"] == WORDING
    bad = client.get("/messages/listes/registre?phone=12").get_data(as_text=True)
    assert "Numéro de téléphone invalide" in bad
    nobody = client.get("/messages/listes/registre?email=x@example.org").get_data(as_text=True)
    assert "Aucun consentement" in nobody
