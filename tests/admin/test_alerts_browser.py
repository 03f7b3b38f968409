"""Headless Chromium: the live page of a campaign changes as the dialer works, without
reloading — the help request appears at the top — and the stop button stops it."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from ivr.store.db import Store
from tests.fixtures.admin import PASSWORD
from tests.fixtures.alert_campaigns import launched, settle
from tests.fixtures.browser import sign_in
from tests.fixtures.db import sqlite_url


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """Pages, not queries: SQLite only (the store runs on both in the unit tests)."""
    return sqlite_url(tmp_path)


def test_live_page_updates_without_reloading(browser: Browser, base_url: str,
                                             store: Store) -> None:
    campaign_id = launched(store)
    page = browser.new_page()
    sign_in(page, base_url, "admin", PASSWORD)
    page.goto(f"{base_url}/alertes/{campaign_id}")
    expect(page.locator("[data-list='pending'] tr")).to_have_count(3)
    page.evaluate("window.marker = 'same page'")
    settle(store, campaign_id, "+33612345678", "aide", [("help", None)])
    expect(page.locator("#aide-demandee [data-list='help'] tr")).to_contain_text(
        "Mme Léa Martin", timeout=10_000)
    expect(page.locator("#compteurs [data-count='aide']")).to_have_text("1")
    assert page.evaluate("window.marker") == "same page"  # no reload
    page.get_by_role("button", name="Arrêter les appels").click()
    expect(page.locator("#etat")).to_have_text("arrêtée")
    expect(page.get_by_role("button", name="Reprendre les appels")).to_be_visible()
