"""Headless Chromium on the admin served by waitress: break the rules, see the line, publish."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from ivr.settings import Settings
from tests.fixtures.admin import PASSWORD
from tests.fixtures.browser import log_in
from tests.fixtures.db import sqlite_url


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """The browser checks pages, not the database:
    SQLite only (the store's features run on both databases in their own tests)."""
    return sqlite_url(tmp_path)


def test_break_rules_see_the_line_fix_and_publish(
    browser: Browser, base_url: str, settings: Settings
) -> None:
    page = browser.new_page()
    log_in(page, base_url, "admin", PASSWORD)
    page.goto(f"{base_url}/rules/")
    editor = page.get_by_label("Contenu de routing_rules.yaml")
    original = editor.input_value()
    line = next(
        i for i, text in enumerate(original.splitlines(), 1) if "timezone: Europe/Paris" in text
    )

    editor.fill(original.replace("timezone: Europe/Paris", "timezone: Europe/Nulle-Part"))
    page.get_by_role("button", name="Vérifier").click()
    faulty = page.locator(f"li#ligne-{line}.faulty")
    expect(faulty).to_be_visible()
    expect(faulty).to_contain_text("unknown time zone")
    expect(page.locator("ul.issues")).to_contain_text(f"Ligne {line}")
    assert page.locator("li.faulty").count() == 1

    fixed = original.replace("Mairie de Villebourg", "Mairie de Navigateur")
    page.get_by_label("Contenu de routing_rules.yaml").fill(fixed)
    page.get_by_label("Commentaire de publication").fill("nom de la commune")
    page.get_by_role("button", name="Publier").click()
    expect(page.get_by_role("status")).to_contain_text("Règles publiées (version 1)")
    expect(page.get_by_role("cell", name="nom de la commune")).to_be_visible()
    assert settings.rules_path.read_bytes() == fixed.encode()


def test_the_feed_address_is_made_and_copied(browser: Browser, base_url: str) -> None:
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    log_in(page, base_url, "admin", PASSWORD)
    page.goto(f"{base_url}/agenda/maire")
    page.get_by_text("Flux iCalendar").click()
    page.get_by_role("button", name="Créer l’adresse du flux").click()
    address = page.get_by_label("Adresse du flux").input_value()
    assert address.startswith(f"{base_url}/api/v1/appointments/feed/")
    page.get_by_role("button", name="Copier l’adresse").click()
    expect(page.get_by_role("button", name="Adresse copiée")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == address
    context.close()
