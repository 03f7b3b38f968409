"""The everyday forms of the reception — hours, menus, messages, agents: each edit is
checked like ``rules check`` (errors at the field, in French), previewed as a caller would
hear it at a chosen moment, and published touching only its lines of routing_rules.yaml."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from admin import rules_yaml
from ivr.rules import load_rules_text
from ivr.settings import Settings
from ivr.store.db import Store
from ivr.store.models import RulesVersion
from tests.fixtures.db import sqlite_url
from tests.fixtures.rules_text import changed_lines


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """The forms edit a file; publishing a version runs on both databases in
    test_reception.py: SQLite only here."""
    return sqlite_url(tmp_path)


@pytest.fixture
def admin(as_user: Callable[[str], FlaskClient]) -> FlaskClient:
    return as_user("admin")


def text_of(settings: Settings) -> str:
    return settings.rules_path.read_text(encoding="utf-8")


def field_errors(html: str, field: str) -> str:
    """The errors shown in the form field ``field`` (its ``div.field``)."""
    block = html.split(f'for="{field}"')[0].rsplit('<div class="field', 1)[1]
    assert block.startswith(" invalid"), f"{field} is not marked invalid"
    return html.split(f'for="{field}"')[1].split("</div>")[0]


def test_a_day_of_a_schedule_is_previewed_then_published_on_its_line(
        admin: FlaskClient, settings: Settings, store: Store) -> None:
    before = text_of(settings)
    form = {"jour-owner": "schedules:mairie", "jour-day": "mardi",
            "jour-hours": "08:30-12:00, 14:00-18:00", "jour-at": "2026-12-01T13:45"}
    preview = admin.post("/accueil/horaires/jour", data={**form, "action": "preview"})
    assert preview.status_code == 200
    heard = preview.text.split('id="apercu"')[1].split("</section>")[0]
    assert "le 01/12/2026 13:45" in heard  # the moment picked, Tuesday between two ranges
    assert "État civil</strong> (fermé)" in heard and "Urbanisme" not in heard  # « mairie » only
    assert "de nouveau aujourd&#39;hui à 14 h" in heard or "aujourd’hui à 14 h" in heard
    assert text_of(settings) == before

    assert admin.post("/accueil/horaires/jour", data={**form, "action": "publish"}
                      ).status_code == 302
    assert changed_lines(before, text_of(settings)) == (
        ['    mardi:    ["08:30-12:00", "13:30-17:30"]'],
        ['    mardi:    ["08:30-12:00", "14:00-18:00"]'])  # the column alignment kept
    with store.session() as session:
        assert session.query(RulesVersion).one().comment == "Horaire « mairie », mardi"


def test_a_day_added_to_a_schedule_goes_in_the_week_s_order(
        admin: FlaskClient, settings: Settings) -> None:
    before = text_of(settings)
    assert admin.post("/accueil/horaires/jour", data={
        "jour-owner": "schedules:services", "jour-day": "samedi", "jour-hours": "09:00-12:00",
        "action": "publish"}).status_code == 302
    after = text_of(settings).splitlines()
    friday = after.index('    vendredi: ["08:30-12:00", "13:30-16:30"]')
    assert after[friday + 1] == '    samedi:   ["09:00-12:00"]'
    assert changed_lines(before, text_of(settings))[0] == []


def test_bad_hours_are_shown_at_the_field_and_nothing_is_written(
        admin: FlaskClient, settings: Settings) -> None:
    before = text_of(settings)
    for hours, message in (
        ("le matin", "Écrivez des plages « 08:30-12:00 »"),  # the form's own check
        ("12:00-08:30", "le début doit précéder la fin"),  # the rules' check, in French
        ("08:30-12:00, 11:00-17:00", "se chevauchent"),
        ("08:30-25:00", "25:00 n&#39;est pas une heure valide"),
    ):
        response = admin.post("/accueil/horaires/jour", data={
            "jour-owner": "schedules:mairie", "jour-day": "lundi", "jour-hours": hours,
            "action": "publish"})
        assert response.status_code == 400
        assert message in field_errors(response.text, "jour-hours"), hours
    assert text_of(settings) == before


def test_a_department_follows_another_schedule(admin: FlaskClient, settings: Settings) -> None:
    before = text_of(settings)
    assert admin.post("/accueil/horaires/service", data={
        "service-department": "urbanisme", "service-schedule": "services",
        "action": "publish"}).status_code == 302
    assert changed_lines(before, text_of(settings)) == (
        ["    hours: urbanisme"], ["    hours: services"])
    assert "Horaire « urbanisme » — suivi par aucun service" in admin.get(
        "/accueil/horaires/").text


def test_a_new_named_schedule_is_a_block_like_the_others(
        admin: FlaskClient, settings: Settings) -> None:
    before = text_of(settings)
    data = {"nouvel-name": "ete", "nouvel-model": "mairie", "action": "publish"}
    assert admin.post("/accueil/horaires/nouveau", data=data).status_code == 302
    removed, added = changed_lines(before, text_of(settings))
    assert removed == [] and added[:2] == ["  ete:", '    lundi:    ["08:30-12:00", "13:30-17:30"]']
    again = admin.post("/accueil/horaires/nouveau", data=data)
    assert "Cet horaire existe déjà" in field_errors(again.text, "nouvel-name")
    assert admin.post("/accueil/horaires/jour", data={
        "jour-owner": "schedules:ete", "jour-day": "samedi", "jour-hours": "",
        "action": "publish"}).status_code == 302  # then changed day by day
    assert load_rules_text(text_of(settings)).schedules["ete"].samedi == ()


def option(**fields: str) -> dict[str, str]:
    return {"touche-key": "5", "touche-label": "l'urbanisme",
            "touche-destination": "target:urbanisme", "action": "publish", **fields}


def test_a_menu_key_is_added_in_spoken_order_with_a_target_chosen_by_name(
        admin: FlaskClient, settings: Settings) -> None:
    page = admin.get("/accueil/menus/?menu=demarches").text
    assert '<option value="target:urbanisme">Urbanisme</option>' in page
    before = text_of(settings)
    preview = admin.post("/accueil/menus/demarches/touche", data=option(action="preview"))
    assert "Pour l&#39;urbanisme, tapez 5." in preview.text
    assert admin.post("/accueil/menus/demarches/touche", data=option()).status_code == 302
    removed, added = changed_lines(before, text_of(settings))
    assert (removed, added) == ([], ['      "5": {label: "l\'urbanisme", target: urbanisme}'])
    lines = text_of(settings).splitlines()
    assert lines[lines.index(added[0]) + 1].lstrip().startswith('"#"')  # before « # »
    rules = load_rules_text(text_of(settings))
    assert rules.menus["demarches"].options["5"].target == "urbanisme"


def test_a_menu_key_changed_keeps_its_place(admin: FlaskClient, settings: Settings) -> None:
    before = text_of(settings)
    assert admin.post("/accueil/menus/principal/touche", data=option(
        **{"touche-key": "4", "touche-label": "les horaires de la mairie",
           "touche-destination": "action:hours"})).status_code == 302
    assert changed_lines(before, text_of(settings)) == (
        ['      "4": {label: "nos horaires", action: hours}'],
        ['      "4": {label: "les horaires de la mairie", action: hours}'])


def test_a_bad_menu_key_is_shown_at_its_field(admin: FlaskClient, settings: Settings) -> None:
    before = text_of(settings)
    for fields, field, message in (
        ({"touche-label": " "}, "touche-label", "Indiquez ce que l’appelant entend"),
        ({"touche-destination": "target:inconnu"}, "touche-destination",
         "N'est pas un choix valide"),  # WTForms' own message, in French
        ({"touche-destination": "action:back", "touche-key": "9"}, "touche-destination",
         "`back` a besoin d'un menu parent"),  # the rules' check: the main menu has none
    ):
        response = admin.post("/accueil/menus/principal/touche", data=option(**fields))
        assert response.status_code == 400
        assert message in field_errors(response.text, field).replace("&#39;", "'")
    assert text_of(settings) == before


def _buttons(admin: FlaskClient, menu: str) -> str:
    page = admin.get(f"/accueil/menus/?menu={menu}").text
    return page.split('name="k-fingerprint" value="')[1][:16]


def test_moving_a_key_swaps_it_with_its_neighbour(admin: FlaskClient, settings: Settings) -> None:
    before = text_of(settings)
    print_ = _buttons(admin, "familles")
    assert admin.post("/accueil/menus/familles/deplacer", data={
        "k-key": "2", "k-direction": "haut", "k-fingerprint": print_, "action": "publish",
    }).status_code == 302
    removed, added = changed_lines(before, text_of(settings))
    assert len(removed) == len(added) == 2
    options = load_rules_text(text_of(settings)).menus["familles"].options
    assert (options["1"].target, options["2"].target) == ("petite-enfance", "scolaire")


def test_removing_a_key_needs_the_menu_as_shown(admin: FlaskClient, settings: Settings) -> None:
    before = text_of(settings)
    stale = admin.post("/accueil/menus/avis/retirer", data={
        "k-key": "2", "k-fingerprint": "0" * 16, "action": "publish"})
    assert stale.status_code == 302 and text_of(settings) == before
    assert admin.post("/accueil/menus/avis/retirer", data={
        "k-key": "2", "k-fingerprint": _buttons(admin, "avis"), "action": "publish",
    }).status_code == 302
    assert changed_lines(before, text_of(settings)) == (
        ['      "2": {label: "laisser une suggestion par message", action: suggestion}'], [])
    assert "# Référentiel Marianne" in text_of(settings)


def test_a_menu_introduction(admin: FlaskClient, settings: Settings) -> None:
    before = text_of(settings)
    assert admin.post("/accueil/menus/avis/introduction", data={
        "intro-intro": "Vos avis nous intéressent.", "action": "publish"}).status_code == 302
    assert changed_lines(before, text_of(settings)) == (
        ['    intro: "Réclamations et suggestions."'],
        ['    intro: "Vos avis nous intéressent."'])


def messages_form(admin: FlaskClient, **changes: str) -> dict[str, str]:
    """The messages form as the page fills it, with ``changes``."""
    rules = load_rules_text(admin.application.config["TOWNHALL_SETTINGS"].rules_path
                            .read_text(encoding="utf-8"))
    values = {f"messages-{k}": v for k, v in rules.messages.model_dump().items()}
    return {**values, **{f"messages-{k}": v for k, v in changes.items()}, "action": "publish"}


def test_a_message_changed_is_previewed_then_written_on_its_line(
        admin: FlaskClient, settings: Settings) -> None:
    before = text_of(settings)
    welcome = "Bonjour, mairie de Villebourg, « à votre service »."
    preview = admin.post("/accueil/messages/", data={
        **messages_form(admin, welcome=welcome), "action": "preview"})
    assert "« à votre service »" in preview.text.split('id="apercu"')[1]
    assert admin.post("/accueil/messages/", data=messages_form(admin, welcome=welcome)
                      ).status_code == 302
    assert changed_lines(before, text_of(settings))[1] == [f'  welcome: "{welcome}"']


def test_an_unknown_placeholder_is_refused_at_its_message(
        admin: FlaskClient, settings: Settings) -> None:
    before = text_of(settings)
    response = admin.post("/accueil/messages/", data=messages_form(
        admin, transfer="Je vous passe {service}."))
    assert response.status_code == 400
    errors = field_errors(response.text, "messages-transfer")
    assert "Variable inconnue {service} (permises ici : {spoken_name})." in errors
    assert text_of(settings) == before


def test_a_department_s_spoken_name(admin: FlaskClient, settings: Settings) -> None:
    response = admin.post("/accueil/messages/nom", data={
        "nom-department": "social", "nom-spoken_name": "le centre communal d'action sociale",
        "nom-at": "2026-12-01T10:00", "action": "preview"})
    assert "avec le centre communal d&#39;action sociale" in response.text


def test_an_agent_is_added_aligned_with_the_others(admin: FlaskClient, settings: Settings
                                                   ) -> None:
    before = text_of(settings)
    data = {"nouvel-agent": "agent-accueil-2", "nouvel-name": "Accueil 2",
            "nouvel-departments": ["accueil", "etat-civil"], "nouvel-at": "2026-12-01T10:00"}
    preview = admin.post("/accueil/agents/ajouter", data={**data, "action": "preview"})
    assert "sonne chez Accueil 1, Accueil 2" in preview.text
    assert admin.post("/accueil/agents/ajouter", data={**data, "action": "publish"}
                      ).status_code == 302
    assert changed_lines(before, text_of(settings)) == ([], [
        '  agent-accueil-2:           {name: "Accueil 2", departments: [accueil, etat-civil], '
        'contact: null}'])
    again = admin.post("/accueil/agents/ajouter", data={**data, "action": "publish"})
    assert again.status_code == 400
    assert "Ce poste existe déjà" in field_errors(again.text, "nouvel-agent")


def test_an_agent_moved_leaves_the_queues_of_the_old_department(
        admin: FlaskClient, settings: Settings) -> None:
    assert admin.post("/accueil/agents/deplacer", data={
        "agent-agent": "agent-urbanisme-1", "agent-departments": ["technique"],
        "action": "publish"}).status_code == 302
    rules = load_rules_text(text_of(settings))
    assert rules.queue_members("urbanisme") == ()
    assert "agent-urbanisme-1" in rules.queue_members("technique")
    assert "    members: []" in text_of(settings)


def test_an_agent_needs_a_department(admin: FlaskClient, settings: Settings) -> None:
    response = admin.post("/accueil/agents/deplacer", data={
        "agent-agent": "agent-urbanisme-1", "action": "publish"})
    assert response.status_code == 400
    assert "Choisissez au moins un service." in field_errors(response.text, "agent-departments")


def test_only_administrators_change_the_reception(
        as_user: Callable[[str], FlaskClient]) -> None:
    client = as_user("superviseur")
    for page, form in (("horaires/", "horaires/jour"), ("menus/", "menus/principal/touche"),
                       ("messages/", "messages/"), ("agents/", "agents/ajouter")):
        assert client.get(f"/accueil/{page}").status_code == 403
        assert client.post(f"/accueil/{form}", data={}).status_code == 403


def test_an_edit_that_cannot_keep_the_layout_is_refused() -> None:
    text = "version: 1\nagents: {a: {name: A}}\n"
    with pytest.raises(ValueError, match="écrite sur une ligne"):
        rules_yaml.set_value(text, ("agents", "b"), {"name": "B"})
