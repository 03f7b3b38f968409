"""Requests at the counter, the CSV bulk status update, files of requests, indicators."""

from __future__ import annotations

import html
import io
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from ivr.requests.reference import grouped
from ivr.settings import Settings
from ivr.store import requests as store_requests
from ivr.store.attachments import add_attachment
from ivr.store.db import Store
from ivr.store.models import AuditLog, Citizen, Request
from tests.fixtures.admin import NOW
from tests.fixtures.requests import RULES

T = datetime.fromisoformat(NOW)


def _new(store: Store, type_id: str = "carte-identite", **kw: object) -> str:
    return store_requests.create_request(store, RULES, type_id=type_id, actor="test", at=T,
                                         **kw).reference  # type: ignore[arg-type]


def _count(store: Store, model: type) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_counter_creation_finds_the_citizen_again(
    store: Store, as_user: Callable[[str], FlaskClient]
) -> None:
    client = as_user("agent-ec")
    form = {"type": "acte-naissance", "name": "Jeanne Martin", "phone": "06 12 34 56 78",
            "birth_date": "14/07/1980", "subject": "copie intégrale",
            "street": "3 rue de la Mairie", "postcode": "67000", "city": "Strasbourg"}
    first = client.post("/demandes/nouvelle", data=form)
    assert first.status_code == 302
    reference = first.headers["Location"].rsplit("/", 1)[1]
    view = store_requests.get_request(store, reference)
    assert view.channel == "counter" and view.citizen_name == "Jeanne Martin"
    assert view.citizen_address is not None and view.citizen_address.lines() == (
        "3 rue de la Mairie", "67000 Strasbourg")
    again = client.post("/demandes/nouvelle", data={**form, "birth_date": "", "name": ""})
    assert again.status_code == 302
    assert _count(store, Citizen) == 1 and _count(store, Request) == 2
    with store.session() as session:
        assert session.scalar(select(func.count()).where(AuditLog.action == "request.create")) == 2


@pytest.mark.parametrize(("field", "value", "message"), [
    ("birth_date", "1980-13-45", "Date de naissance invalide"),
    ("type", "permis-de-chasse", "Type de demande inconnu"),
    ("phone", "pas un numéro", "numéro"),
    ("postcode", "6700", "Adresse postale incomplète"),  # a postcode alone
    ("city", "x" * 81, "Au plus 80 caractères"),
])
def test_counter_refusals_store_nothing(
    store: Store, as_user: Callable[[str], FlaskClient], field: str, value: str, message: str
) -> None:
    form = {"type": "acte-naissance", "name": "Jeanne", "phone": "0612345678", field: value}
    response = as_user("agent-ec").post("/demandes/nouvelle", data=form)
    assert response.status_code == 400
    assert message.lower() in html.unescape(response.text).lower()
    assert _count(store, Request) == 0 and _count(store, Citizen) == 0
    with store.session() as session:
        assert session.scalar(select(func.count()).where(AuditLog.action.like("request.%"))) == 0


def _upload(client: FlaskClient, text: str) -> tuple[int, str]:
    data = {"file": (io.BytesIO(text.encode()), "cartes.csv")}
    response = client.post("/demandes/import", data=data, content_type="multipart/form-data")
    return response.status_code, html.unescape(response.text)


def test_csv_import_applies_good_lines_and_reports_every_line(
    store: Store, as_user: Callable[[str], FlaskClient]
) -> None:
    good, refused = _new(store), _new(store)
    wrong_digit = good[:-1] + str((int(good[-1]) + 1) % 10)
    csv = (f"reference;statut;note\n{good};En instruction;lot 12\n{wrong_digit};en-instruction\n"
           f"{refused};remis\n{good};en-instruction\n")
    code, page = _upload(as_user("superviseur"), csv)
    assert code == 200
    assert "1 ligne(s) appliquée(s), 0 déjà à jour, 3 refusée(s)" in page
    assert "un chiffre a sans doute été mal saisi" in page  # line 3: wrong check digit
    assert "« Dossier déposé » ne peut pas passer au statut « Remis »" in page  # line 4
    assert "référence déjà présente ligne 2 (ligne en double)" in page  # line 5
    assert store_requests.get_request(store, good).status == "en-instruction"
    assert store_requests.get_request(store, refused).status == "depose"
    assert "passée au statut « En instruction »" in page
    with store.session() as session:
        rows = list(session.scalars(select(AuditLog).where(AuditLog.action == "request.import")))
    assert [r.object for r in rows] == [f"demande {good}"]
    again_code, again = _upload(as_user("superviseur"), f"{good};en-instruction\n")
    assert again_code == 200 and "déjà au statut" in again


def test_csv_import_refuses_an_empty_file_whole(as_user: Callable[[str], FlaskClient]) -> None:
    code, page = _upload(as_user("admin"), "")
    assert code == 400 and "Fichier refusé" in page


def test_agents_import_for_their_own_department_only(
    store: Store, as_user: Callable[[str], FlaskClient]
) -> None:
    own, other = _new(store, "acte-naissance"), _new(store, "carte-identite")
    code, page = _upload(as_user("agent-ec"), f"{own};en-traitement\n{other};en-instruction\n")
    assert code == 200 and "1 ligne(s) appliquée(s), 0 déjà à jour, 1 refusée(s)" in page
    assert "relève du service « " in page and "vous ne pouvez pas la modifier" in page
    assert store_requests.get_request(store, own).status == "en-traitement"
    assert store_requests.get_request(store, other).status == "depose"


def test_voice_message_is_played_to_its_department_only(
    store: Store, settings: Settings, as_user: Callable[[str], FlaskClient]
) -> None:
    ref = _new(store, "acte-deces")
    sound = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(40)
    att = add_attachment(store, settings.attachments_dir, ref, filename="../../message.wav",
                         data=sound, at=T, mime="audio/wav")
    client = as_user("agent-ec")
    page = client.get(f"/demandes/{ref}").text
    url = f"/demandes/{ref}/pieces/{att.id}"
    assert f'<audio controls preload="none" src="{url}">' in page
    got = client.get(url)
    assert got.status_code == 200 and got.mimetype == "audio/wav" and got.data == sound
    assert client.get(f"/demandes/{ref}/pieces/{att.id + 1}").status_code == 404
    other = _new(store, "carte-identite")
    assert client.get(f"/demandes/{other}/pieces/{att.id}").status_code == 403
    assert as_user("elu").get(url).status_code == 403


def test_indicators_show_requests_without_personal_data(
    store: Store, as_user: Callable[[str], FlaskClient]
) -> None:
    from ivr.store.citizens import NewCitizen

    late = store_requests.create_request(
        store, RULES, type_id="acte-deces", actor="test", at=T - timedelta(days=20),
        citizen=NewCitizen(name="Paul Secret", phones=("0611223344",)), subject="sujet-privé")
    ref = _new(store, "acte-deces")
    store_requests.change_status(store, RULES, ref, "envoyee", actor="test", at=T)
    client = as_user("elu")
    page = html.unescape(client.get("/").text)
    assert "Demandes des usagers" in page and "Copie ou extrait d'acte de décès" in page
    assert "Paul Secret" not in page and "sujet-privé" not in page
    assert grouped(late.reference) not in page
    csv = client.get("/demandes.csv").text.splitlines()
    assert csv[0].lstrip("\ufeff").startswith("type;service;volume;en_cours;en_retard")
    assert csv[1] == "acte-deces;etat-civil;2;1;1;1;0;1;0"
