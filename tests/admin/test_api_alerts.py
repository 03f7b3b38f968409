"""``/api/v1/alerts``: create and launch with a scoped token, read the status, a second
launch refused (409) unless confirmed, a recorded message uploaded (multipart, probed
by ffprobe: no audio, too long, nothing to say → 422 in French), bad bodies answered
4xx in French JSON."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from admin.api import new_token
from ivr.alerts.adapters.message_audio import sound_path
from ivr.settings import Settings
from ivr.store.db import Store
from ivr.store.models import AlertCampaign, AuditLog
from tests.fixtures.alert_campaigns import import_register, launched
from tests.fixtures.db import sqlite_url


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """The pages and routes, not the queries: SQLite only (the store's side of alerts runs
    on both databases in tests/unit/alerts)."""
    return sqlite_url(tmp_path)


def _token(store: Store, *scopes: str) -> dict[str, str]:
    with store.session() as session:
        return {"Authorization": f"Bearer {new_token(session, 'crise', scopes)}"}


def test_create_launch_and_read(client: FlaskClient, store: Store) -> None:
    import_register(store)
    launcher = _token(store, "alerts:launch")
    answer = client.post("/api/v1/alerts", headers=launcher, json={
        "title": "Crue", "message_text": "La rivière monte.", "mode": "information"})
    assert answer.status_code == 201
    body = answer.get_json()
    assert body["campaign"]["status"] == "brouillon" and body["total"] == 3
    campaign_id = body["campaign"]["id"]
    started = client.post(f"/api/v1/alerts/{campaign_id}/launch", headers=launcher)
    assert started.status_code == 200 and started.get_json()["campaign"]["status"] == "en_cours"
    reader = _token(store, "alerts:read")
    status = client.get(f"/api/v1/alerts/{campaign_id}", headers=reader).get_json()
    assert set(status["counts"]) >= {"en_attente", "acquitte", "aide", "echec"}
    assert client.post("/api/v1/alerts", headers=reader, json={}).status_code == 403
    with store.session() as session:
        audit = session.scalars(select(AuditLog).where(
            AuditLog.action == "alerte_lancee")).one()
        assert audit.username == "api:crise" and (audit.detail or {}).get("via") == "api"


def test_second_launch_is_a_409_unless_confirmed(client: FlaskClient, store: Store) -> None:
    launched(store, title="Première")
    launcher = _token(store, "alerts:launch")
    body = {"title": "Seconde", "message_text": "Texte.", "launch": True}
    refused = client.post("/api/v1/alerts", headers=launcher, json=body)
    assert refused.status_code == 409
    error = refused.get_json()
    assert "est en cours : confirmez" in error["error"] and error["detail"]["code"] == "running"
    again = client.post(f"/api/v1/alerts/{error['detail']['campaign_id']}/launch",
                        headers=launcher, json={"confirm_second": True})
    assert again.status_code == 200
    twice = client.post(f"/api/v1/alerts/{error['detail']['campaign_id']}/launch",
                        headers=launcher, json={"confirm_second": True})
    assert twice.status_code == 409 and "déjà été lancée" in twice.get_json()["error"]


def test_a_test_campaign_without_a_crisis_cell_is_a_422(client: FlaskClient,
                                                        store: Store) -> None:
    answer = client.post("/api/v1/alerts", headers=_token(store, "alerts:launch"), json={
        "title": "Essai", "message_text": "Ceci est un essai.", "test_mode": True})
    assert answer.status_code == 422
    assert "la cellule de crise n'a aucun numéro" in answer.get_json()["error"]


def _tone(tmp_path: Path, seconds: float) -> bytes:
    wav = tmp_path / f"message-{seconds:g}.wav"
    subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", str(wav), "synth", str(seconds),
                    "sine", "440"], check=True, timeout=30)
    return wav.read_bytes()


def test_a_recorded_message_uploaded_launches(client: FlaskClient, store: Store,
                                              settings: Settings, tmp_path: Path) -> None:
    import_register(store)
    answer = client.post("/api/v1/alerts", headers=_token(store, "alerts:launch"), data={
        "title": "Crue", "mode": "information", "launch": "true",
        "audio": (io.BytesIO(_tone(tmp_path, 1.5)), "message.wav")})
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["campaign"]["status"] == "en_cours"
    with store.session() as session:
        campaign = session.scalars(select(AlertCampaign)).one()
    assert campaign.message_text is None and campaign.mode == "information"
    assert campaign.message_audio is not None
    assert sound_path(settings.sounds_dir, campaign.message_audio).read_bytes()[:4] == b"RIFF"


@pytest.mark.parametrize(("fields", "error"), [
    ({"audio": (io.BytesIO(b"#EXTM3U\nfile:/etc/passwd\n"), "message.ogg")},
     "enregistrement refusé : fichier audio illisible"),
    ({"audio": "long"}, "enregistrement refusé : enregistrement trop long (plus de 180 s)"),
    ({"message_text": "  "}, "écrivez le message (message_text) ou envoyez un enregistrement"),
    ({"message_text": "Crue.", "launch": "peut-être"}, "données invalides"),
    ({"test_mode": "true", "audio": "tone"}, "la cellule de crise n'a aucun numéro"),
])
def test_bad_uploads_are_422_in_french(client: FlaskClient, store: Store, tmp_path: Path,
                                       settings: Settings, fields: dict[str, object],
                                       error: str) -> None:
    """Refused, nothing is prepared and no sound is left behind."""
    if fields.get("audio") in ("long", "tone"):
        seconds = 181 if fields["audio"] == "long" else 1
        fields = {**fields, "audio": (io.BytesIO(_tone(tmp_path, seconds)), "message.wav")}
    answer = client.post("/api/v1/alerts", headers=_token(store, "alerts:launch"),
                         data={"title": "Crue", **fields}, content_type="multipart/form-data")
    assert answer.status_code == 422 and error in answer.get_json()["error"]
    with store.session() as session:
        assert session.scalars(select(AlertCampaign)).first() is None  # nothing prepared
    assert not list(settings.sounds_dir.glob("alerte-*"))


@pytest.mark.parametrize(("body", "code"), [
    (None, 400), ([1, 2], 400), ({"title": "Crue"}, 422),
    ({"title": "", "message_text": "x"}, 422), ({"title": "x", "message_text": "y",
                                                 "mode": "panique"}, 422),
    ({"title": "x", "message_text": "y", "extra": 1}, 422),
    ({"title": "x" * 201, "message_text": "y"}, 422),
])
def test_bad_bodies_are_4xx_json(client: FlaskClient, store: Store, body: object,
                                 code: int) -> None:
    launcher = _token(store, "alerts:launch")
    answer = (client.post("/api/v1/alerts", headers=launcher, data="pas du json",
                          content_type="application/json") if body is None
              else client.post("/api/v1/alerts", headers=launcher, json=body))
    assert answer.status_code == code and answer.is_json and answer.get_json()["error"]


def test_unknown_campaign_and_no_token(client: FlaskClient, store: Store) -> None:
    assert client.get("/api/v1/alerts/42").status_code == 401
    reader = _token(store, "alerts:read")
    answer = client.get("/api/v1/alerts/42", headers=reader)
    assert answer.status_code == 404 and answer.get_json()["error"] == "aucune campagne n° 42"


def test_the_openapi_document_lists_the_alert_routes(client: FlaskClient, store: Store) -> None:
    paths = client.get("/api/v1/openapi.json", headers=_token(store, "full")).get_json()["paths"]
    assert {"/alerts", "/alerts/{campaign_id}", "/alerts/{campaign_id}/launch"} <= set(paths)
    content = paths["/alerts"]["post"]["requestBody"]["content"]
    assert set(content) == {"application/json", "multipart/form-data"}
