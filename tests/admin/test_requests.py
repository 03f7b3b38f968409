"""The request pages: worklists, the request page, status changes, assignment, refusals."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from ivr.requests.reference import grouped
from ivr.store import requests as store_requests
from ivr.store import self_service
from ivr.store.db import Store
from ivr.store.models import AuditLog, RequestEvent, SelfServiceAttempt, SelfServiceLock
from tests.fixtures.admin import NOW
from tests.fixtures.requests import RULES

T = datetime.fromisoformat(NOW)
PAGES = ["/demandes/", "/demandes/nouvelle", "/demandes/import"]
ALLOWED = {
    "admin": set(PAGES),
    "superviseur": set(PAGES),
    "agent-ec": {"/demandes/", "/demandes/nouvelle", "/demandes/import"},
    "elu": set(),
}


def _new(store: Store, type_id: str = "acte-deces", days_ago: int = 0, **kw: object) -> str:
    view = store_requests.create_request(store, RULES, type_id=type_id, actor="test",
                                         at=T - timedelta(days=days_ago), **kw)  # type: ignore[arg-type]
    return view.reference


def _audits(store: Store, action: str) -> list[AuditLog]:
    with store.session() as session:
        return list(session.scalars(select(AuditLog).where(AuditLog.action == action)))


@pytest.mark.parametrize("username", sorted(ALLOWED))
def test_access_matrix(as_user: Callable[[str], FlaskClient], username: str) -> None:
    client = as_user(username)
    got = {path: client.get(path).status_code for path in PAGES}
    assert got == {path: 200 if path in ALLOWED[username] else 403 for path in PAGES}


def test_worklist_puts_the_late_request_first(
    store: Store, as_user: Callable[[str], FlaskClient]
) -> None:
    fresh = _new(store, subject="arrivée ce matin")
    late = _new(store, days_ago=20, subject="oubliée")
    other = _new(store, "carte-identite", subject="objet-titre")
    page = html.unescape(as_user("agent-ec").get("/demandes/").text)
    assert page.index(grouped(late)) < page.index(grouped(fresh))
    assert "En retard de" in page and "Copie ou extrait d'acte de décès" in page
    assert "objet-titre" not in page and other not in page  # another department
    assert "Reçue" in page  # the status label, not its id


def test_agent_is_refused_another_department(
    store: Store, as_user: Callable[[str], FlaskClient]
) -> None:
    other = _new(store, "carte-identite")
    client = as_user("agent-ec")
    assert client.get("/demandes/?department=titres-identite").status_code == 403
    assert client.get(f"/demandes/{other}").status_code == 403
    assert client.post(f"/demandes/{other}/statut",
                       data={"status": "en-instruction", "version": "1"}).status_code == 403


def test_superviseur_filters_by_department_and_late(
    store: Store, as_user: Callable[[str], FlaskClient]
) -> None:
    _new(store, subject="objet-recent")
    _new(store, days_ago=20, subject="objet-ancien")
    _new(store, "carte-identite", subject="objet-titre")
    client = as_user("superviseur")
    page = client.get("/demandes/?department=etat-civil&late=y").text
    assert "objet-ancien" in page and "objet-recent" not in page and "objet-titre" not in page
    assert "objet-titre" in client.get("/demandes/?type=carte-identite").text


def test_bad_references_get_french_pages(as_user: Callable[[str], FlaskClient]) -> None:
    client = as_user("admin")
    wrong_digit = client.get("/demandes/1234567890")
    assert wrong_digit.status_code in (400, 404)
    assert "référence" in wrong_digit.text.lower()
    assert client.get("/demandes/abc").status_code == 400


def test_status_change_shows_in_the_timeline_and_is_audited(
    store: Store, as_user: Callable[[str], FlaskClient]
) -> None:
    ref = _new(store)
    client = as_user("agent-ec")
    response = client.post(f"/demandes/{ref}/statut",
                           data={"status": "en-traitement", "note": "acte demandé", "version": "1"})
    assert response.status_code == 302
    page = html.unescape(client.get(f"/demandes/{ref}").text)
    assert "Reçue → <strong>En cours de traitement</strong> — acte demandé" in page
    (row,) = _audits(store, "request.status")
    assert row.username == "agent-ec" and row.object == f"demande {ref}"


def test_stale_version_names_the_winner_and_keeps_both_lines(
    store: Store, as_user: Callable[[str], FlaskClient]
) -> None:
    ref = _new(store)
    store_requests.change_status(store, RULES, ref, "en-traitement", actor="collègue", at=T)
    response = as_user("agent-ec").post(f"/demandes/{ref}/statut",
                                        data={"status": "envoyee", "version": "1"})
    assert response.status_code == 409
    text = html.unescape(response.text)
    assert "Cette demande a été modifiée par collègue entre-temps" in text
    assert "En cours de traitement" in text  # the current state is shown
    assert store_requests.get_request(store, ref).status == "en-traitement"
    assert not _audits(store, "request.status")


@pytest.mark.parametrize(("status", "code", "message"), [
    ("remis", 400, "Statut inconnu"),
    ("recue", 409, "Reçue"),
    ("", 400, "Choisissez un nouveau statut"),
])
def test_refused_status_changes_store_nothing(
    store: Store, as_user: Callable[[str], FlaskClient], status: str, code: int, message: str
) -> None:
    ref = _new(store)
    response = as_user("admin").post(f"/demandes/{ref}/statut",
                                     data={"status": status, "version": "1"})
    assert response.status_code == code
    assert message in html.unescape(response.text)
    with store.session() as session:
        assert session.scalar(select(RequestEvent).where(RequestEvent.kind == "status")) is None
    assert not _audits(store, "request.status")


def test_assignment(store: Store, as_user: Callable[[str], FlaskClient]) -> None:
    ref = _new(store)
    client = as_user("agent-ec")
    response = client.post(f"/demandes/{ref}/attribution",
                           data={"agent": "marie", "department": "etat-civil", "version": "1"})
    assert response.status_code == 302
    assert store_requests.get_request(store, ref).agent == "marie"
    assert client.get("/demandes/?agent=marie").text.count("<tr") == 2  # header + one
    moved = client.post(f"/demandes/{ref}/attribution",
                        data={"agent": "", "department": "urbanisme", "version": "2"})
    assert moved.status_code == 403  # an agent does not send work to another department
    assert len(_audits(store, "request.assign")) == 1


def test_an_agent_unlocks_a_reference_locked_by_guessing(
    store: Store, as_user: Callable[[str], FlaskClient]
) -> None:
    ref = _new(store, "acte-naissance")
    client = as_user("agent-ec")
    assert "Déverrouiller le suivi par téléphone" not in client.get(f"/demandes/{ref}").text
    with store.session() as session:
        session.add(SelfServiceLock(reference=ref, locked_at=T, failures=3))
    page = html.unescape(client.get(f"/demandes/{ref}").text)
    assert "Déverrouiller le suivi par téléphone" in page
    response = client.post(f"/demandes/{ref}/deverrouiller")
    assert response.status_code == 302 and not self_service.is_locked(store, ref)
    with store.session() as session:
        unlocked = session.scalars(select(SelfServiceAttempt).where(
            SelfServiceAttempt.kind == "unlock")).one()
    assert (unlocked.reference, unlocked.actor) == (ref, "agent-ec")
    again = client.post(f"/demandes/{ref}/deverrouiller", follow_redirects=True)
    assert "n'était pas verrouillé" in html.unescape(again.text)


def test_a_posted_request_without_address_is_flagged_until_the_agent_types_it(
        store: Store, as_user: Callable[[str], FlaskClient]) -> None:
    ref = _new(store, "acte-naissance", delivery="courrier", subject="Extrait — par téléphone")
    client = as_user("agent-ec")
    assert "Adresse à compléter</strong> — Extrait" in html.unescape(client.get("/demandes/").text)
    assert "adresse à compléter" in html.unescape(client.get(f"/demandes/{ref}").text)
    bad = client.post(f"/demandes/{ref}/adresse", data={
        "street": "3 rue de la Mairie", "postcode": "67", "city": "Strasbourg"})
    assert bad.status_code == 400 and "Code postal invalide" in html.unescape(bad.text)
    assert store_requests.get_request(store, ref).citizen_address is None  # nothing kept
    empty = client.post(f"/demandes/{ref}/adresse", data={"street": "", "city": ""})
    assert empty.status_code == 400 and "incomplète" in html.unescape(empty.text)
    done = client.post(f"/demandes/{ref}/adresse", data={
        "street": "3 rue de la Mairie", "extra": "Bâtiment B", "postcode": "67000",
        "city": "Strasbourg"}, follow_redirects=True)
    page = html.unescape(done.text)
    assert "3 rue de la Mairie, Bâtiment B, 67000 Strasbourg" in page
    assert "adresse à compléter" not in page and "Adresse à compléter" not in html.unescape(
        client.get("/demandes/").text)
    erased = client.post(f"/demandes/{ref}/adresse", data={"erase": "Effacer l’adresse"},
                         follow_redirects=True)
    assert "adresse postale effacée" in html.unescape(erased.text)
    assert store_requests.get_request(store, ref).address_to_complete
    assert [a.detail for a in _audits(store, "request.address")] == [
        {"erased": False}, {"erased": True}]  # never the address itself
