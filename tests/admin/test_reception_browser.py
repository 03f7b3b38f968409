"""Headless Chromium on each everyday form of the reception: a bad value is shown at its
field, the preview speaks for the moment picked, and a publication shows in the lists."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from ivr.rules import load_rules_text
from ivr.settings import Settings
from tests.fixtures.admin import PASSWORD
from tests.fixtures.browser import sign_in
from tests.fixtures.db import sqlite_url


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """The browser checks pages, not the database: SQLite only (publishing runs on both
    databases in test_reception.py)."""
    return sqlite_url(tmp_path)


@pytest.fixture
def page(browser: Browser, base_url: str) -> Page:
    page = browser.new_page()
    sign_in(page, base_url, "admin", PASSWORD)
    page.goto(f"{base_url}/accueil/")
    return page


def press(page: Page, scope: Locator, button: str) -> None:
    """Click a form's button and wait for the page it answers with (edits are checked by
    parsing the whole rules file: seconds on a loaded machine)."""
    with page.expect_navigation(timeout=60_000):
        scope.get_by_role("button", name=button).click()


def published(page: Page, what: str) -> None:
    expect(page.get_by_role("status")).to_contain_text(f"{what} : publié (version")


def test_a_closure_with_a_bad_range_then_heard_and_published(page: Page) -> None:
    form = page.get_by_role("region", name="Ajouter une fermeture")
    form.get_by_label("Fermé le (ou du)").fill("2026-12-10")
    form.get_by_label("Jusqu’au (inclus, facultatif)").fill("2026-12-01")
    form.get_by_label("Motif (dit aux appelants)").fill("Inventaire")
    press(page, form, "Publier")
    form = page.get_by_role("region", name="Ajouter une fermeture")
    expect(form.locator(".field.invalid")).to_contain_text("La fin de la fermeture est avant")
    form.get_by_label("Jusqu’au (inclus, facultatif)").fill("2026-12-11")
    press(page, form, "Écouter ce qu’entendra un appelant")
    expect(page.locator("#apercu")).to_contain_text("le 10/12/2026 09:00")
    expect(page.get_by_role("region", name="Ce qu’entendra un appelant")).to_contain_text(
        "ne peut pas vous répondre")
    press(page, page.get_by_role("region", name="Ajouter une fermeture"), "Publier")
    expect(page.get_by_role("table", name="Fermetures")).to_contain_text("Inventaire")


def test_hours_of_a_day_heard_at_the_moment_picked(page: Page, settings: Settings) -> None:
    page.get_by_role("link", name="Horaires", exact=True).click()
    form = page.get_by_role("region", name="Changer les plages d’un jour")
    form.get_by_label("Horaire", exact=True).select_option(label="Horaire « mairie »")
    form.get_by_label("Jour", exact=True).select_option(label="Samedi")
    form.get_by_label("Plages de ce jour").fill("09:00-12:00, 12:00-11:00")
    press(page, form, "Publier")
    form = page.get_by_role("region", name="Changer les plages d’un jour")
    expect(form.locator(".field.invalid")).to_contain_text("le début doit précéder la fin")
    form.get_by_label("Plages de ce jour").fill("09:00-12:30")
    form.get_by_label("Écouter comme un appelant le").fill("2026-12-05T12:15")
    press(page, form, "Écouter ce qu’entendra un appelant")
    heard = page.get_by_role("region", name="Voici ce qu’entendra un appelant")
    expect(heard).to_contain_text("le 05/12/2026 12:15")
    expect(heard.locator("li", has_text="État civil")).to_contain_text("(ouvert)")
    press(page, page.get_by_role("region", name="Changer les plages d’un jour"), "Publier")
    published(page, "Horaire « mairie », samedi")
    expect(page.get_by_role("table", name="Horaire « mairie »")).to_contain_text("09:00-12:30")
    assert '    samedi:   ["09:00-12:30"]' in settings.rules_path.read_text(encoding="utf-8")


def test_a_menu_key_added_then_moved_up(page: Page, settings: Settings) -> None:
    page.get_by_role("link", name="Menus", exact=True).click()
    page.get_by_role("link", name="Sous-menu « Papiers d'identité et état civil »").click()
    form = page.get_by_role("region", name="Ajouter ou changer une touche")
    form.get_by_label("Touche", exact=True).select_option(label="Touche 5")
    form.get_by_label("Libellé").fill("le recensement citoyen")
    form.get_by_label("Mène à").select_option(label="État civil")
    press(page, form, "Publier")
    published(page, "touche 5")
    row = page.get_by_role("row", name="le recensement citoyen")
    expect(row.get_by_role("cell").first).to_have_text("5")
    press(page, row, "Monter")
    expect(page.get_by_role("row", name="le recensement citoyen").get_by_role("cell").first
           ).to_have_text("4")
    options = load_rules_text(settings.rules_path.read_text(encoding="utf-8")).menus[
        "demarches"].options
    assert (options["4"].label, options["5"].action) == ("le recensement citoyen",
                                                          "document_request")


def test_a_message_with_an_unknown_placeholder_is_shown_at_its_field(
        page: Page, settings: Settings) -> None:
    before = settings.rules_path.read_text(encoding="utf-8")
    page.get_by_role("link", name="Messages", exact=True).click()
    page.get_by_label("Mise en relation").fill("Je vous passe {service}.")
    press(page, page.get_by_role("region", name="Messages du serveur vocal"), "Publier")
    field = page.locator(".field.invalid", has=page.get_by_label("Mise en relation"))
    expect(field.get_by_role("alert")).to_contain_text("Variable inconnue {service}")
    assert settings.rules_path.read_text(encoding="utf-8") == before
    page.get_by_label("Mise en relation").fill("Je vous passe {spoken_name}.")
    press(page, page.get_by_role("region", name="Messages du serveur vocal"), "Publier")
    published(page, "Messages")


def test_an_agent_added_to_two_departments(page: Page) -> None:
    page.get_by_role("link", name="Agents", exact=True).click()
    form = page.get_by_role("region", name="Ajouter un agent")
    form.get_by_label("Identifiant du poste").fill("Accueil 2")
    form.get_by_label("Nom affiché").fill("Accueil 2")
    form.get_by_label("Accueil - standard").check()
    form.get_by_label("État civil", exact=True).check()
    press(page, form, "Publier")
    form = page.get_by_role("region", name="Ajouter un agent")
    expect(form.locator(".field.invalid")).to_contain_text("Minuscules, chiffres et tirets")
    form.get_by_label("Identifiant du poste").fill("agent-accueil-2")
    press(page, form, "Publier")
    published(page, "Nouvel agent : Accueil 2")
    expect(page.get_by_role("row", name="Accueil 2")).to_contain_text(
        "Accueil - standard, État civil")
