"""JSON API /api/v1: bearer tokens, create/read contacts, clear 4xx errors, OpenAPI."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from ivr.store.db import Store
from ivr.store.models import ApiToken

CONTACT = {
    "channel": "web",
    "caller": {"name": "Jeanne Martin", "email": "jeanne@example.org"},
    "target": "etat-civil",
    "subject": "Acte de naissance",
    "body": "Bonjour, je souhaite une copie intégrale de mon acte de naissance.",
    "ref": "web-0001",
}


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/api/v1/contacts"), ("POST", "/api/v1/contacts"), ("GET", "/api/v1/contacts/1"),
     ("GET", "/api/v1/openapi.json")],
)  # fmt: skip
@pytest.mark.parametrize("header", [None, "Bearer faux", "Basic YWRtaW46YWRtaW4="])
def test_api_requires_a_valid_token(
    client: FlaskClient, method: str, path: str, header: str | None
) -> None:
    headers = {"Authorization": header} if header else {}
    response = client.open(path, method=method, headers=headers, json=CONTACT)
    assert response.status_code == 401 and response.json == {
        "error": "authentification requise : jeton absent, invalide, expiré ou révoqué",
        "detail": None,
    }
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_revoked_token_is_refused(client: FlaskClient, token: str, store: Store) -> None:
    with store.session() as session:
        session.query(ApiToken).one().revoked_at = session.query(ApiToken).one().created_at
    assert client.get("/api/v1/contacts", headers=_auth(token)).status_code == 401


def test_create_then_read(client: FlaskClient, token: str) -> None:
    created = client.post("/api/v1/contacts", json=CONTACT, headers=_auth(token))
    assert created.status_code == 201
    body: dict[str, Any] = created.json  # type: ignore[assignment]
    assert (
        body["channel"] == "web"
        and body["caller"] == "jeanne@example.org"
        and body["ref"] == "web-0001"
    )
    assert body["started_at"].startswith("2026-12-02T09:00")  # the app clock, in UTC
    one = client.get(f"/api/v1/contacts/{body['id']}", headers=_auth(token))
    assert one.status_code == 200 and one.json == body
    listed = client.get(
        "/api/v1/contacts?target=etat-civil&since=2026-12-01T00:00:00Z", headers=_auth(token)
    )
    assert [c["id"] for c in listed.json["contacts"]] == [body["id"]]  # type: ignore[index]
    later = client.get("/api/v1/contacts?since=2026-12-03T00:00:00%2B01:00", headers=_auth(token))
    assert later.json == {"contacts": []}


def test_created_contact_appears_in_the_admin(client: FlaskClient, token: str) -> None:
    contact_id = client.post("/api/v1/contacts", json=CONTACT, headers=_auth(token)).json["id"]  # type: ignore[index]
    client.post("/login", data={"username": "superviseur", "password": "mot-de-passe-solide"})
    page = client.get(f"/contacts/{contact_id}").text
    assert "Acte de naissance" in page and "Jeanne Martin" in page and "Site web" in page


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"channel": "phone"}, "channel"),
        ({"caller": {"name": "Sans moyen de contact"}}, "caller"),
        ({"caller": {"email": "pas-une-adresse"}}, "email"),
        ({"target": "Etat Civil"}, "target"),
        ({"subject": ""}, "subject"),
        ({"unexpected": 1}, "unexpected"),
    ],
)
def test_invalid_contact_is_a_422_naming_the_field(
    client: FlaskClient, token: str, change: dict[str, Any], field: str
) -> None:
    response = client.post("/api/v1/contacts", json={**CONTACT, **change}, headers=_auth(token))
    assert response.status_code == 422 and response.json["error"] == "contact invalide"  # type: ignore[index]
    assert any(field in map(str, error["loc"]) for error in response.json["detail"])  # type: ignore[index]
    english = ("should", "Field", "Input", "Extra inputs", "required")  # pydantic's own words
    assert not any(word in error["msg"] for error in response.json["detail"]  # type: ignore[index]
                   for word in english)


def test_bad_requests(client: FlaskClient, token: str) -> None:
    headers = _auth(token)
    not_json = client.post("/api/v1/contacts", data="channel=web", headers=headers)
    assert not_json.status_code == 400 and "JSON" in not_json.json["error"]  # type: ignore[index]
    assert client.post("/api/v1/contacts", json=CONTACT, headers=headers).status_code == 201
    again = client.post("/api/v1/contacts", json=CONTACT, headers=headers)
    assert again.status_code == 409 and "web-0001" in again.json["error"]  # type: ignore[index]
    assert client.get("/api/v1/contacts/999", headers=headers).status_code == 404
    assert client.get("/api/v1/contacts?since=2026-12-01T10:00", headers=headers).status_code == 422
    assert client.get("/api/v1/contacts?limit=0", headers=headers).status_code == 422
    missing = client.get("/api/v1/nothing", headers=headers)
    assert missing.status_code == 404 and missing.json["error"] == "Not Found"  # type: ignore[index]
    wrong = client.delete("/api/v1/contacts", headers=headers)
    assert wrong.status_code == 405 and wrong.is_json


def test_openapi_document(client: FlaskClient, token: str) -> None:
    doc = client.get("/api/v1/openapi.json", headers=_auth(token)).json
    assert doc["openapi"].startswith("3.")  # type: ignore[index]
    assert set(doc["paths"]) == {  # type: ignore[index]
        "/contacts", "/contacts/{contact_id}", "/openapi.json",
        "/requests", "/requests/{reference}", "/requests/{reference}/status",
        "/requests/{reference}/address",
        "/appointments/slots", "/appointments", "/appointments/{reference}",
        "/subscriptions", "/subscriptions/confirm", "/sms/dlr", "/sms/incoming",
        "/alerts", "/alerts/{campaign_id}", "/alerts/{campaign_id}/launch",
        "/requests/{reference}/attachments/{attachment_id}",
    }
    channel = doc["components"]["schemas"]["ContactIn"]["properties"]["channel"]  # type: ignore[index]
    assert channel["enum"] == ["web", "email", "counter"]
