"""Headless Chromium: an agent opens the worklist, takes the late request, changes its status."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from ivr.store import requests as store_requests
from ivr.store.db import Store
from tests.fixtures.admin import NOW, PASSWORD
from tests.fixtures.browser import sign_in
from tests.fixtures.db import sqlite_url
from tests.fixtures.requests import RULES

T = datetime.fromisoformat(NOW)


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """The browser checks pages, not the database: SQLite only (the request pages run
    on both databases in test_requests.py)."""
    return sqlite_url(tmp_path)


def test_agent_moves_the_late_request_first(browser: Browser, base_url: str,
                                            store: Store) -> None:
    for days_ago, subject in ((0, "arrivée ce matin"), (20, "en souffrance"), (2, "d'avant-hier")):
        store_requests.create_request(store, RULES, type_id="acte-deces", actor="guichet",
                                      at=T - timedelta(days=days_ago), subject=subject)
    page = browser.new_page()
    sign_in(page, base_url, "agent-ec", PASSWORD)
    page.get_by_role("link", name="Demandes").click()
    first = page.locator("#worklist tbody tr").first
    expect(first).to_contain_text("en souffrance")
    expect(first).to_contain_text("En retard de")
    first.get_by_role("link").click()

    page.get_by_label("Nouveau statut").select_option(label="En cours de traitement")
    page.get_by_label("Note").first.fill("acte demandé au service central")
    page.get_by_role("button", name="Enregistrer le statut").click()
    expect(page.get_by_role("status")).to_contain_text("statut « En cours de traitement »")
    expect(page.locator("#statut")).to_have_text("En cours de traitement")
    expect(page.locator("#timeline li").last).to_contain_text(
        "agent-ec : Reçue → En cours de traitement — acte demandé au service central")
