"""Headless Chromium on the admin served by waitress: break the rules, see the line, publish."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from ivr.settings import Settings
from tests.fixtures.admin import PASSWORD
from tests.fixtures.browser import code_editor_text, log_in, retype_in_code_editor
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
    refused: list[str] = []  # by the content security policy, or a script's error
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)  # fmt: skip
    page.on("pageerror", lambda error: refused.append(str(error)))
    log_in(page, base_url, "admin", PASSWORD)
    page.goto(f"{base_url}/rules/")
    gutter = page.locator(".code-editor .ace_gutter")
    expect(gutter.locator(".ace_gutter-cell").first).to_have_text("1")  # line numbers
    expect(page.locator(".code-editor .ace_meta.ace_tag").first).to_be_visible()  # YAML keys
    original = code_editor_text(page)
    assert original == settings.rules_path.read_text(encoding="utf-8")
    line = next(
        i for i, text in enumerate(original.splitlines(), 1) if "timezone: Europe/Paris" in text
    )

    retype_in_code_editor(page, line, "Paris", "Nulle-Part")
    page.get_by_role("button", name="Vérifier").click()
    expect(page.locator("ul.issues")).to_contain_text(f"Ligne {line}")
    expect(page.locator("ul.issues")).to_contain_text("unknown time zone")
    marked = gutter.locator(".ace_gutter-cell.ace_error")  # the annotation, at its line
    expect(marked).to_have_count(1)
    expect(marked).to_have_text(str(line))
    expect(page.locator(".code-editor .ligne-erreur")).to_have_count(1)
    expect(page.get_by_label(f"Erreur, lire les annotations de la ligne {line}")).to_be_attached()
    page.locator(".code-editor").evaluate("el => el.env.editor.gotoLine(1, 0, false)")
    page.get_by_role("link", name=f"Ligne {line}, colonne 13").click()  # the listed error
    cursor = "el => el.env.editor.getCursorPosition()"
    assert page.locator(".code-editor").evaluate(cursor) == {"row": line - 1, "column": 12}

    retype_in_code_editor(page, line, "Nulle-Part", "Paris")
    town = next(i for i, text in enumerate(original.splitlines(), 1) if "Villebourg" in text)
    retype_in_code_editor(page, town, "Villebourg", "Navigateur")
    page.get_by_label("Commentaire de publication").fill("nom de la commune")
    page.get_by_role("button", name="Publier").click()
    expect(page.get_by_role("status")).to_contain_text("Règles publiées (version 1)")
    expect(page.get_by_role("cell", name="nom de la commune")).to_be_visible()
    fixed = original.replace("Mairie de Villebourg", "Mairie de Navigateur", 1)
    assert settings.rules_path.read_bytes() == fixed.encode()
    assert code_editor_text(page) == fixed  # the page shows what was saved
    assert not refused, refused


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
