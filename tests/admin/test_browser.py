"""Headless Chromium on the admin served by waitress: break the rules, see the line, publish."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest
import waitress
from flask import Flask
from playwright.sync_api import Browser, Page, expect, sync_playwright

from ivr.settings import Settings
from tests.admin.conftest import PASSWORD

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


@pytest.fixture
def base_url(make_app: Callable[..., Flask]) -> Iterator[str]:
    """The admin with its production protections (CSRF on), on a free port."""
    app = make_app(TESTING=False, WTF_CSRF_ENABLED=True)
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"  # type: ignore[union-attr]
    server.close()
    thread.join(timeout=5)


@pytest.fixture
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()


def _login(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/rules/")
    expect(page).to_have_url(f"{base_url}/login?next=%2Frules%2F")
    page.get_by_label("Identifiant").fill("admin")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Indicateurs")).to_be_visible()


def test_break_rules_see_the_line_fix_and_publish(
    browser: Browser, base_url: str, settings: Settings
) -> None:
    page = browser.new_page()
    _login(page, base_url)
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
