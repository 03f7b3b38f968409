"""« Fermetures et horaires exceptionnels »: closures and special days as forms, written
back into routing_rules.yaml with its comments, previewed, published, removed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from flask.testing import FlaskClient

from admin import rules_yaml
from ivr.rules import load_rules_text
from ivr.settings import Settings
from ivr.store.db import Store
from ivr.store.models import AuditLog, RulesVersion
from tests.fixtures.rules_text import changed_lines

COMMENT = "# Fermeture de toute la mairie un jour donné."


@pytest.fixture
def admin(as_user: Callable[[str], FlaskClient]) -> FlaskClient:
    return as_user("admin")


def closure(**fields: str | list[str]) -> dict[str, str | list[str]]:
    return {"fermeture-first": "2026-12-08", "fermeture-reason": "Inventaire des archives",
            "fermeture-preview_time": "10:00", "action": "publish", **fields}


def test_a_closure_is_previewed_then_published_with_the_file_kept(
        admin: FlaskClient, settings: Settings, store: Store) -> None:
    before = settings.rules_path.read_text(encoding="utf-8")
    preview = admin.post("/accueil/ajouter/fermeture", data=closure(
        action="preview", **{"fermeture-departments": ["etat-civil"]}))
    assert preview.status_code == 200
    assert "Ce qu’entendra un appelant le 08/12/2026 10:00" in preview.text
    heard = preview.text.split('id="apercu"')[1].split("</section>")[0]
    assert "État civil</strong> (fermé)" in heard and "Urbanisme" not in heard  # only the chosen
    assert "ne peut pas vous répondre" in heard
    assert settings.rules_path.read_text(encoding="utf-8") == before  # nothing published yet

    done = admin.post("/accueil/ajouter/fermeture", data=closure(
        **{"fermeture-departments": ["etat-civil"]}))
    assert done.status_code == 302
    after = settings.rules_path.read_text(encoding="utf-8")
    assert COMMENT in after and after.count("\n#") == before.count("\n#")  # comments kept
    assert changed_lines(before, after) == (  # one line added, the rest as written
        [], ['    - {date: 2026-12-08, reason: "Inventaire des archives", '
             'departments: [etat-civil]}'])
    rules = load_rules_text(after, "routing_rules.yaml")
    added = rules.calendar.closures[-1]
    assert (added.date, added.departments) == (date(2026, 12, 8), ("etat-civil",))
    with store.session() as session:
        assert session.query(RulesVersion).one().comment == "fermeture : Inventaire des archives"
        assert session.query(AuditLog).filter_by(action="rules.publish").count() == 1
    page = admin.get("/accueil/").text
    assert "le mardi 8 décembre 2026" in page and "Inventaire des archives" in page


def test_a_special_day_over_a_range_of_the_whole_town_hall(
        admin: FlaskClient, settings: Settings) -> None:
    response = admin.post("/accueil/ajouter/journee", data={
        "journee-day": "2026-12-24", "journee-hours": "08:30-12:00, 13:30-15:00",
        "journee-reason": "Veille de Noël", "action": "publish"})
    assert response.status_code == 302
    rules = load_rules_text(settings.rules_path.read_text(encoding="utf-8"), "r.yaml")
    day = rules.calendar.special_days[-1]
    assert (day.date.isoformat(), day.departments, len(day.hours)) == ("2026-12-24", None, 2)


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"fermeture-first": "2026-12-10", "fermeture-last": "2026-12-01"}, "fermeture-last",
     "La fin de la fermeture est avant son début."),
    ({"fermeture-first": "10/12/2026"}, "fermeture-first", "N&#39;est pas une date valide."),
    ({"fermeture-reason": "x" * 201}, "fermeture-reason", "plus de 200 caractères"),
    ({"fermeture-departments": ["inconnu"]}, "fermeture-departments", "pas un choix valide"),
])
def test_a_bad_value_is_shown_at_its_field_and_nothing_changes(
        admin: FlaskClient, settings: Settings, fields: dict[str, str], field: str,
        message: str) -> None:
    before = settings.rules_path.read_text(encoding="utf-8")
    response = admin.post("/accueil/ajouter/fermeture", data=closure(**fields))
    assert response.status_code == 400
    invalid = response.text.split(f'for="{field}"')[0].rsplit('<div class="field', 1)[1]
    assert invalid.startswith(" invalid")
    assert message in response.text.split(f'for="{field}"')[1].split("</div>")[0]  # French
    assert settings.rules_path.read_text(encoding="utf-8") == before


def test_hours_that_are_not_ranges_are_refused(admin: FlaskClient) -> None:
    response = admin.post("/accueil/ajouter/journee", data={
        "journee-day": "2026-12-24", "journee-hours": "le matin", "journee-reason": "Noël",
        "action": "publish"})
    assert response.status_code == 400 and "plages « 08:30-12:00 »" in response.text


def test_removing_takes_out_the_line_shown_and_only_if_unchanged(
        admin: FlaskClient, settings: Settings) -> None:
    text = settings.rules_path.read_text(encoding="utf-8")
    first = rules_yaml.entries(text, "closures")[0]
    stale = admin.post("/accueil/retirer", data={
        "section": "closures", "index": "0", "fingerprint": "0" * 16})
    assert stale.status_code == 302
    assert settings.rules_path.read_text(encoding="utf-8") == text  # a stale page removes nothing
    gone = admin.post("/accueil/retirer", data={
        "section": "closures", "index": "0", "fingerprint": rules_yaml.fingerprint(first)})
    assert gone.status_code == 302
    after = settings.rules_path.read_text(encoding="utf-8")
    assert changed_lines(text, after) == (
        ["    - {date: 2027-05-07, reason: \"Pont de l'Ascension\"}"], [])
    assert COMMENT in after


def test_only_administrators_change_closures(as_user: Callable[[str], FlaskClient]) -> None:
    client = as_user("superviseur")
    assert client.get("/accueil/").status_code == 403
    assert client.post("/accueil/ajouter/fermeture", data=closure()).status_code == 403
