"""The « Alertes » area through Flask's test client: who may see and launch, preparing
(text, upload checked by ffprobe), launching (a second refused unless confirmed, every
launch audited), the live JSON (help first), stop and resume, the reports, the
register's import, and bad input answered in French at its place."""

from __future__ import annotations

import csv
import io
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from ivr.alerts.adapters.message_audio import sound_path
from ivr.settings import Settings
from ivr.store.db import Store
from ivr.store.models import AlertCampaign, AuditLog
from tests.fixtures.alert_campaigns import (
    REGISTER,
    add_crisis_user,
    import_register,
    launched,
    settle,
)
from tests.fixtures.db import sqlite_url

Login = Callable[[str], FlaskClient]



@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """The pages and routes, not the queries: SQLite only (the store's side of alerts runs
    on both databases in tests/unit/alerts)."""
    return sqlite_url(tmp_path)

@pytest.fixture
def crisis(store: Store, users: dict[str, str]) -> str:
    """An account of the « gestion de crise » role."""
    return add_crisis_user(store)


@pytest.mark.parametrize(("user", "page", "code"), [
    ("elu", "/alertes/", 200), ("superviseur", "/alertes/", 200), ("agent-ec", "/alertes/", 403),
    ("elu", "/alertes/nouvelle", 403), ("superviseur", "/alertes/registre", 403),
    ("admin", "/alertes/nouvelle", 200), ("admin", "/alertes/registre", 200),
])
def test_who_may_see_and_prepare(as_user: Login, user: str, page: str, code: int) -> None:
    assert as_user(user).get(page).status_code == code


def test_the_crisis_role_prepares_imports_and_launches(as_user: Login, crisis: str) -> None:
    client = as_user(crisis)
    assert client.get("/alertes/nouvelle").status_code == 200
    assert client.get("/alertes/registre").status_code == 200
    assert "Alertes" in client.get("/alertes/").get_data(as_text=True)


def test_prepare_then_launch_audited(as_user: Login, store: Store) -> None:
    client = as_user("admin")
    assert client.post("/alertes/registre", data={
        "file": (io.BytesIO(REGISTER), "registre.csv")}).status_code == 200
    answer = client.post("/alertes/nouvelle", data={
        "title": "Crue", "mode": "alerte", "message_text": "La rivière monte."})
    assert answer.status_code == 302
    campaign_id = int(answer.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    page = client.get(f"/alertes/{campaign_id}").get_data(as_text=True)
    assert "Lancer l’alerte" in page
    answer = client.post(f"/alertes/{campaign_id}/lancer", follow_redirects=True)
    assert "Campagne lancée : 3 personne(s) à appeler." in answer.get_data(as_text=True)
    with store.session() as session:
        assert session.get(AlertCampaign, campaign_id).status == "en_cours"  # type: ignore[union-attr]
        audit = session.scalars(select(AuditLog).where(
            AuditLog.action == "alerte_lancee")).one()
        assert audit.username == "admin" and (audit.detail or {}).get("via") == "admin"


def test_a_second_launch_is_refused_unless_confirmed(as_user: Login, store: Store) -> None:
    launched(store, title="Première")
    client = as_user("admin")
    created = client.post("/alertes/nouvelle", data={
        "title": "Seconde", "mode": "information", "message_text": "Texte."})
    second = created.headers["Location"]
    page = client.get(second).get_data(as_text=True)
    assert "Une autre campagne est en cours : Première" in page
    refused = client.post(f"{second}/lancer", follow_redirects=True).get_data(as_text=True)
    assert "« Première » est en cours : confirmez" in refused
    done = client.post(f"{second}/lancer", data={"confirm_second": "y"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Campagne lancée" in done
    with store.session() as session:
        audits = session.scalars(select(AuditLog).where(
            AuditLog.action == "alerte_lancee").order_by(AuditLog.id)).all()
        assert len(audits) == 2 and (audits[1].detail or {}).get("confirmed_over")


@pytest.mark.parametrize(("data", "message"), [
    ({"title": "", "mode": "alerte", "message_text": "x"}, "Donnez un titre"),
    ({"title": "Crue", "mode": "alerte", "message_text": ""}, "Écrivez le message"),
    ({"title": "Crue", "mode": "panique", "message_text": "x"}, "Mode inconnu"),
])
def test_bad_campaign_forms_say_why_at_the_field(as_user: Login, data: dict[str, str],
                                                  message: str) -> None:
    answer = as_user("admin").post("/alertes/nouvelle", data=data)
    assert answer.status_code == 400 and message in answer.get_data(as_text=True)


def test_nobody_to_call_is_said_at_the_form(as_user: Login, tmp_path: Path,
                                            settings: Settings) -> None:
    """…and the recording sent with it is not left among the sounds."""
    wav = tmp_path / "message.wav"
    subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", str(wav), "synth", "1", "sine",
                    "440"], check=True, timeout=30)
    answer = as_user("admin").post("/alertes/nouvelle", data={
        "title": "Crue", "mode": "alerte", "message_text": "La rivière monte.",
        "audio": (io.BytesIO(wav.read_bytes()), "message.wav")})
    assert answer.status_code == 400
    assert "Personne à appeler" in answer.get_data(as_text=True)
    assert not list(settings.sounds_dir.glob("alerte-*"))


def test_an_upload_that_is_no_audio_is_refused(as_user: Login, tmp_path: Path) -> None:
    answer = as_user("admin").post("/alertes/nouvelle", data={
        "title": "Crue", "mode": "alerte", "message_text": "",
        "audio": (io.BytesIO(b"#EXTM3U\nfile:/etc/passwd\n"), "message.mp3")})
    assert answer.status_code == 400
    assert "Enregistrement refusé" in answer.get_data(as_text=True)


def test_an_uploaded_recording_becomes_the_message(as_user: Login, tmp_path: Path,
                                                   store: Store, settings: Settings) -> None:
    wav = tmp_path / "message.wav"
    subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", str(wav), "synth", "1.5", "sine",
                    "440"], check=True, timeout=30)
    import_register(store)
    answer = as_user("admin").post("/alertes/nouvelle", data={
        "title": "Crue", "mode": "alerte",
        "audio": (io.BytesIO(wav.read_bytes()), "message.wav")})
    assert answer.status_code == 302
    with store.session() as session:
        audio = session.scalars(select(AlertCampaign.message_audio)).one()
    sounds = settings.sounds_dir
    assert audio is not None and audio.startswith("townhall/alerte-")
    assert sound_path(sounds, audio).read_bytes()[:4] == b"RIFF"


def test_live_status_puts_help_first_with_its_request(as_user: Login, store: Store) -> None:
    campaign_id = launched(store)
    settle(store, campaign_id, "+33612345678", "aide", [("busy", None), ("help", None)])
    settle(store, campaign_id, "+33612345679", "echec", [("rejected", "appel refusé")])
    data = as_user("elu").get(f"/alertes/{campaign_id}/etat").get_json()
    assert data["campaign"]["status"] == "en_cours" and data["total"] == 3
    assert data["counts"]["aide"] == 1 and data["counts"]["echec"] == 1
    [helped] = data["help"]
    assert (helped["name"], helped["phone"], helped["vulnerable"]) == (
        "Mme Léa Martin", "06 12 34 56 78", True)
    [failed] = data["failed"]
    assert failed["why"] == "refusé, appel refusé"
    assert [p["name"] for p in data["pending"]] == ["Mme Zoé Roux"]
    assert as_user("elu").get("/alertes/999/etat").status_code == 404


def test_stop_and_resume_are_posts_for_launchers(as_user: Login, store: Store) -> None:
    campaign_id = launched(store)
    assert as_user("elu").post(f"/alertes/{campaign_id}/arreter").status_code == 403
    client = as_user("admin")
    assert client.get(f"/alertes/{campaign_id}/arreter").status_code == 405
    stopped = client.post(f"/alertes/{campaign_id}/arreter", follow_redirects=True)
    assert "Campagne arrêtée." in stopped.get_data(as_text=True)
    again = client.post(f"/alertes/{campaign_id}/arreter", follow_redirects=True)
    assert "pas en cours" in again.get_data(as_text=True)
    resumed = client.post(f"/alertes/{campaign_id}/reprendre", follow_redirects=True)
    assert "Campagne reprise." in resumed.get_data(as_text=True)
    with store.session() as session:
        actions = session.scalars(select(AuditLog.action).where(
            AuditLog.action.like("alerte%")).order_by(AuditLog.id)).all()
    assert actions[-2:] == ["alerte_arretee", "alerte_reprise"]


def test_reports_as_csv_and_pdf(as_user: Login, store: Store) -> None:
    campaign_id = launched(store)
    settle(store, campaign_id, "+33612345678", "acquitte", [("no_answer", None),
                                                           ("acknowledged", None)])
    client = as_user("elu")
    answer = client.get(f"/alertes/{campaign_id}/rapport.csv")
    assert answer.mimetype == "text/csv" and answer.data.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(answer.data.decode("utf-8-sig")), delimiter=";"))
    assert len(table) == 1 + 2 + 2  # header, Léa's two attempts, two never called
    pdf = client.get(f"/alertes/{campaign_id}/rapport.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert client.get("/alertes/999/rapport.csv").status_code == 404


@pytest.mark.parametrize(("payload", "expected"), [
    (b"nom;adresse\nA;B\n", "colonne(s) obligatoire(s) manquante(s) : telephone"),
    (b"", "Le fichier ne contient aucune ligne."),
    ("nom;telephone\nMme Hélène;06 12\n".encode("cp1252"), "Ligne 2 : numéro de téléphone trop"),
])
def test_register_import_reports_bad_files_in_french(as_user: Login, payload: bytes,
                                                     expected: str) -> None:
    answer = as_user("admin").post("/alertes/registre", data={
        "file": (io.BytesIO(payload), "registre.csv")})
    assert expected in answer.get_data(as_text=True)


def test_register_import_keeps_good_lines_and_is_idempotent(as_user: Login) -> None:
    client = as_user("admin")
    data = REGISTER + b"Doublon;0612345678;non\n"
    first = client.post("/alertes/registre", data={"file": (io.BytesIO(data), "r.csv")})
    text = first.get_data(as_text=True)
    assert "3 personne(s) ajoutée(s)" in text and "Ligne 5 : numéro déjà présent ligne 2" in text
    again = client.post("/alertes/registre", data={"file": (io.BytesIO(data), "r.csv")})
    assert "0 personne(s) ajoutée(s), 0 mise(s) à jour, 3 inchangée(s)" in again.get_data(
        as_text=True)
