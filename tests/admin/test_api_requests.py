"""JSON API /api/v1/requests: create, read, search, change status, list; French 4xx."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from admin.api import new_token
from ivr.settings import Settings
from ivr.store.attachments import add_attachment
from ivr.store.db import Store
from ivr.store.models import AuditLog, Citizen, Request
from tests.fixtures.admin import NOW

NEW = {"type": "carte-identite", "channel": "web", "subject": "renouvellement",
       "citizen": {"name": "Jeanne Martin", "phones": ["06 12 34 56 78"],
                   "emails": ["Jeanne@Example.org"], "birth_date": "14/07/1980"}}


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _count(store: Store, model: type) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _create(client: FlaskClient, token: str, body: dict[str, Any] = NEW) -> dict[str, Any]:
    response = client.post("/api/v1/requests", json=body, headers=_auth(token))
    assert response.status_code == 201, response.json
    return response.json  # type: ignore[return-value]


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/api/v1/requests"), ("POST", "/api/v1/requests"),
    ("GET", "/api/v1/requests/1234567897"), ("POST", "/api/v1/requests/1234567897/status"),
    ("GET", "/api/v1/requests/1234567897/attachments/1"),
])
def test_requests_need_a_token(client: FlaskClient, method: str, path: str) -> None:
    assert client.open(path, method=method, json={}).status_code == 401


def test_create_read_search_and_change(client: FlaskClient, token: str, store: Store) -> None:
    made = _create(client, token)
    assert made["status"] == "depose" and made["status_label"] == "Dossier déposé"
    assert made["type_label"] == "Carte nationale d'identité" and made["version"] == 1
    ref = made["reference"]
    read = client.get(f"/api/v1/requests/{made['display_reference']}", headers=_auth(token))
    assert read.status_code == 200 and read.json["events"][0]["kind"] == "created"
    by_phone = client.get("/api/v1/requests?phone=%2B33612345678", headers=_auth(token))
    assert [r["reference"] for r in by_phone.json["requests"]] == [ref]
    by_mail = client.get("/api/v1/requests?email=jeanne@example.org", headers=_auth(token))
    assert [r["reference"] for r in by_mail.json["requests"]] == [ref]
    changed = client.post(f"/api/v1/requests/{ref}/status", headers=_auth(token),
                          json={"status": "en-instruction", "note": "complet", "version": 1})
    assert changed.status_code == 200 and changed.json["status"] == "en-instruction"
    listed = client.get("/api/v1/requests?department=titres-identite&status=en-instruction",
                        headers=_auth(token))
    assert [r["reference"] for r in listed.json["requests"]] == [ref]
    assert client.get("/api/v1/requests?late=true", headers=_auth(token)).json == {"requests": []}
    with store.session() as session:
        actions = list(session.scalars(select(AuditLog.action).where(
            AuditLog.username == "api:tests")))
    assert actions == ["request.create", "request.status"]


@pytest.mark.parametrize(("path", "code", "message"), [
    ("/api/v1/requests/1234567890", 400, "référence"),
    ("/api/v1/requests/1234567897", 404, "Aucune demande"),
    ("/api/v1/requests/abc", 400, "référence"),
])
def test_bad_references(client: FlaskClient, token: str, path: str, code: int,
                        message: str) -> None:
    response = client.get(path, headers=_auth(token))
    assert response.status_code == code and message in response.json["error"]


@pytest.mark.parametrize(("body", "code", "message"), [
    ({**NEW, "type": "permis-de-chasse"}, 400, "Type de demande inconnu"),
    ({**NEW, "citizen": {**NEW["citizen"], "birth_date": "31/02/1980"}}, 400, "invalide"),
    ({**NEW, "type": "acte-deces"}, 400, "minimisation"),
    ({**NEW, "department": "nulle-part"}, 400, "Service inconnu"),
    ({**NEW, "extra": 1}, 422, "données invalides"),
    ([1, 2], 400, "objet JSON"),
])
def test_refused_creations_store_nothing(client: FlaskClient, token: str, store: Store,
                                         body: Any, code: int, message: str) -> None:
    response = client.post("/api/v1/requests", json=body, headers=_auth(token))
    assert response.status_code == code and message in response.json["error"]
    assert _count(store, Request) == 0 and _count(store, Citizen) == 0


@pytest.mark.parametrize(("body", "code", "message"), [
    ({"status": "remis"}, 409, "Dossier déposé"),
    ({"status": "volé"}, 400, "Statut inconnu"),
    ({"status": "en-instruction", "version": 7}, 409, "modifiée entre-temps"),
])
def test_refused_status_changes(client: FlaskClient, token: str, store: Store,
                                body: dict[str, Any], code: int, message: str) -> None:
    ref = _create(client, token)["reference"]
    response = client.post(f"/api/v1/requests/{ref}/status", json=body, headers=_auth(token))
    assert response.status_code == code and message in response.json["error"]
    read = client.get(f"/api/v1/requests/{ref}", headers=_auth(token)).json
    assert read["status"] == "depose" and len(read["events"]) == 1


def test_bad_query_is_422(client: FlaskClient, token: str) -> None:
    response = client.get("/api/v1/requests?limit=0", headers=_auth(token))
    assert response.status_code == 422


def test_a_status_may_be_named_by_its_label(client: FlaskClient, token: str) -> None:
    ref = _create(client, token)["reference"]
    changed = client.post(f"/api/v1/requests/{ref}/status", headers=_auth(token),
                          json={"status": "  en INSTRUCTION ", "version": 1})
    assert changed.status_code == 200 and changed.json["status"] == "en-instruction"


def test_a_file_is_downloaded_with_its_type_by_a_reading_token(
    client: FlaskClient, token: str, store: Store, settings: Settings
) -> None:
    ref = _create(client, token)["reference"]
    sound = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(40)
    att = add_attachment(store, settings.attachments_dir, ref, filename="message.wav",
                         data=sound, at=datetime.fromisoformat(NOW), mime="audio/wav")
    with store.session() as session:
        reader, writer = new_token(session, "site", ("requests:read",)), new_token(
            session, "formulaires", ("contacts:create",))
    url = f"/api/v1/requests/{ref}/attachments/{att.id}"
    got = client.get(url, headers=_auth(reader))
    assert (got.status_code, got.mimetype, got.data) == (200, "audio/wav", sound)
    assert "message.wav" in got.headers["Content-Disposition"]
    assert client.get(f"/api/v1/requests/{ref}", headers=_auth(reader)).status_code == 200
    assert client.get(url).status_code == 401
    assert client.get(url, headers=_auth(writer)).status_code == 403
    assert client.post(f"/api/v1/requests/{ref}/status", headers=_auth(reader),
                       json={"status": "en-instruction"}).status_code == 403
    missing = client.get(f"{url[:-len(str(att.id))]}{att.id + 1}", headers=_auth(token))
    assert missing.status_code == 404 and "pas de pièce jointe" in missing.json["error"]
    other = _create(client, token)["reference"]
    assert client.get(f"/api/v1/requests/{other}/attachments/{att.id}",
                      headers=_auth(token)).status_code == 404  # not a file of that request
    typo = ref[:-1] + str((int(ref[-1]) + 1) % 10)
    wrong = client.get(f"/api/v1/requests/{typo}/attachments/{att.id}", headers=_auth(token))
    assert wrong.status_code == 400 and "référence" in wrong.json["error"]


ADDRESS = {"street": "3 rue de la Mairie", "extra": "Bâtiment B", "postcode": "67 000",
           "city": "Strasbourg"}


def test_the_postal_address_written_read_and_erased(client: FlaskClient, token: str,
                                                   store: Store) -> None:
    made = _create(client, token, {**NEW, "citizen": {**NEW["citizen"], "address": ADDRESS}})
    assert made["citizen_address"] == {**ADDRESS, "postcode": "67000"}
    assert made["address_to_complete"] is False and made["delivery"] is None
    ref = made["reference"]
    erased = client.put(f"/api/v1/requests/{ref}/address", headers=_auth(token),
                        json={"address": None})
    assert erased.status_code == 200 and erased.json["citizen_address"] is None
    moved = {**ADDRESS, "extra": None, "city": "Colmar", "postcode": "68000"}
    put = client.put(f"/api/v1/requests/{ref}/address", headers=_auth(token),
                     json={"address": moved})
    assert put.status_code == 200 and put.json["citizen_address"] == moved
    read = client.get(f"/api/v1/requests/{ref}", headers=_auth(token)).json
    assert read["citizen_address"] == moved
    assert [e["note"] for e in read["events"] if e["kind"] == "note"] == [
        "Adresse postale effacée.", "Adresse postale enregistrée."]


@pytest.mark.parametrize(("address", "status", "message"), [
    ({**ADDRESS, "postcode": "6700"}, 400, "Code postal invalide : « 6700 » (cinq chiffres)."),
    ({**ADDRESS, "city": " "}, 400, "Adresse postale incomplète"),
    ({"street": "", "postcode": "", "city": ""}, 400, "Adresse postale incomplète"),
    ({**ADDRESS, "street": "x" * 121}, 422, "données invalides"),
    ({**ADDRESS, "pays": "France"}, 422, "données invalides"),
])
def test_a_bad_address_is_refused_in_french_and_changes_nothing(
        client: FlaskClient, token: str, store: Store, address: dict, status: int,
        message: str) -> None:
    ref = _create(client, token)["reference"]
    put = client.put(f"/api/v1/requests/{ref}/address", headers=_auth(token),
                     json={"address": address})
    assert put.status_code == status and message in str(put.json), put.json
    posted = client.post("/api/v1/requests", headers=_auth(token),
                         json={**NEW, "citizen": {"phones": ["0699887766"], "address": address}})
    assert posted.status_code == status and message in str(posted.json), posted.json
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Citizen).where(
            Citizen.address_street.is_not(None))) == 0
    assert _count(store, Request) == 1
    unknown = client.put("/api/v1/requests/1234567897/address", headers=_auth(token),
                         json={"address": ADDRESS})
    assert unknown.status_code == 404, unknown.json
