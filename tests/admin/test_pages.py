"""Every page, every role: the access matrix, and what each page shows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ivr.store.db import Store
from ivr.store.models import Callback, Contact, ContactEvent

PAGES = ["/", "/indicateurs.csv", "/marianne/", "/contacts/", "/callbacks/", "/queues/", "/rules/",
         "/prompts/", "/users/", "/audit/", "/messages/", "/securite/"]  # fmt: skip
ALLOWED = {
    "admin": set(PAGES),
    "superviseur": {"/", "/indicateurs.csv", "/marianne/", "/contacts/", "/callbacks/",
                    "/queues/", "/messages/"},
    "agent-ec": {"/contacts/", "/callbacks/"},
    "elu": {"/", "/indicateurs.csv", "/marianne/"},
}


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_pages_redirect_to_login(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("username", sorted(ALLOWED))
def test_access_matrix(as_user: Callable[[str], FlaskClient], username: str) -> None:
    client = as_user(username)
    got = {path: client.get(path).status_code for path in PAGES}
    assert got == {path: 200 if path in ALLOWED[username] else 403 for path in PAGES}


def _contact(store: Store, **fields: object) -> int:
    at = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
    values = {"channel": "phone", "started_at": at, "caller": "0612345678", **fields}
    with store.session() as session:
        contact = Contact(**values)
        session.add(contact)
        session.flush()
        session.add(
            ContactEvent(contact_id=contact.id, seq=1, at=at, kind="menu", data={"digit": "1"})
        )
        return contact.id


def test_agent_sees_only_own_department(
    store: Store, as_user: Callable[[str], FlaskClient]
) -> None:
    mine = _contact(store, target="etat-civil", caller="0600000001")
    other = _contact(store, target="urbanisme", caller="0600000002")
    client = as_user("agent-ec")
    listing = client.get("/contacts/?target=urbanisme").text
    assert "06 00 00 00 01" in listing and "06 00 00 00 02" not in listing
    assert client.get(f"/contacts/{mine}").status_code == 200
    assert client.get(f"/contacts/{other}").status_code == 404


def test_contacts_search_and_detail(store: Store, as_user: Callable[[str], FlaskClient]) -> None:
    text = "je voudrais un acte de naissance"
    found = _contact(store, target="etat-civil", transcript=text, queue="etat-civil", agent="ec-1",
                     outcome="answered", wait_seconds=12)  # fmt: skip
    other = _contact(store, target="accueil", transcript="bonjour")
    client = as_user("superviseur")
    listing = client.get("/contacts/?text=NAISSANCE").text
    assert f'href="/contacts/{found}"' in listing and f'href="/contacts/{other}"' not in listing
    detail = client.get(f"/contacts/{found}").text
    assert "je voudrais un acte de naissance" in detail and "ec-1" in detail and "Répondu" in detail
    assert "menu" in detail and "digit : 1" in detail


def test_bad_period_is_a_400(as_user: Callable[[str], FlaskClient]) -> None:
    client = as_user("admin")
    assert client.get("/contacts/?start=2026-12-05&end=2026-12-01").status_code == 400
    assert client.get("/?start=2026-12-05&end=2026-12-01").status_code == 400


def test_indicators_and_csv(store: Store, as_user: Callable[[str], FlaskClient]) -> None:
    base = {"target": "etat-civil", "queue": "etat-civil", "routed_by": "speech"}
    _contact(store, outcome="answered", wait_seconds=30, **base)
    _contact(store, outcome="answered", wait_seconds=90, **base)
    _contact(store, outcome="abandoned_queue", wait_seconds=200, **base)
    _contact(store, outcome="abandoned_menu", routed_by="dtmf")
    with store.session() as session:
        promised = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
        session.add(
            Callback(number="0612", target="etat-civil", state="pending", promised_before=promised)
        )
    client = as_user("elu")
    page = client.get("/?start=2026-12-01&end=2026-12-02").text
    assert "66,7\u00a0%" in page  # answer rate: 2 of 3 queued
    assert "33,3\u00a0%" in page  # service level (60 s) and abandonment: 1 of 3
    assert "1 min 00 s" in page  # average speed of answer
    assert "0 sur 1 rappel(s)" in page
    # charts drawn as HTML bars, nothing fetched from outside the town hall, no script
    assert page.count('<figure class="chart bars">') == 4 and "<script" not in page
    by_service = page.split("<figcaption>Appels par service</figcaption>", 1)[1]
    assert '<span class="bar-label">État civil</span>' in by_service.split("</figure>", 1)[0]
    csv = client.get("/indicateurs.csv?start=2026-12-01&end=2026-12-02")
    assert csv.mimetype == "text/csv"
    lines = csv.text.lstrip("\ufeff").splitlines()
    assert "calls;;4" in lines and "answered;;2" in lines and "routed_by;speech;0.75" in lines


def test_pages_without_data_say_so_in_french(as_user: Callable[[str], FlaskClient]) -> None:
    client = as_user("admin")
    assert "Aucun rappel n’a été demandé" in client.get("/callbacks/").text
    assert "Aucun contact ne correspond" in client.get("/contacts/").text
    queues = client.get("/queues/").text
    assert "État civil" in queues and "Accueil" in queues
    assert "welcome" in client.get("/prompts/").text


def test_callbacks_worklist_for_agent(store: Store, as_user: Callable[[str], FlaskClient]) -> None:
    contact = _contact(store, target="etat-civil")
    with store.session() as session:
        due = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
        session.add(
            Callback(
                number="0611111111", target="etat-civil", contact_id=contact, promised_before=due
            )
        )
        session.add(
            Callback(
                number="0622222222", target="urbanisme", promised_before=due + timedelta(hours=1)
            )
        )
    page = as_user("agent-ec").get("/callbacks/").text
    assert "0611111111" in page and "0622222222" not in page and f"/contacts/{contact}" in page


def test_queues_page_without_valid_rules(app: Flask, as_user: Callable[[str], FlaskClient]) -> None:
    app.config["TOWNHALL_SETTINGS"].rules_path.write_text("version: [", encoding="utf-8")
    assert "absentes ou invalides" in as_user("superviseur").get("/queues/").text


def test_contacts_pagination_keeps_the_filters(
    store: Store, make_app: Callable[..., Flask]
) -> None:
    for n in range(3):
        _contact(store, target="etat-civil", caller=f"060000000{n}")
    client = make_app(PAGE_SIZE=2).test_client()
    client.post("/login", data={"username": "admin", "password": "mot-de-passe-solide"})
    first = client.get("/contacts/?target=etat-civil").text
    assert "Page 1 sur 2 (3 résultats)" in first
    assert 'href="/contacts/?target=etat-civil&amp;page=2"' in first
    second = client.get("/contacts/?target=etat-civil&page=2").text
    assert "Page 2 sur 2" in second and second.count("<td>06 00 00 00 0") == 1
