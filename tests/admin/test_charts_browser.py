"""The élus' pages in Chromium at a desktop and a phone width: chart labels are printed at a
readable size (measured as rendered, SVG scaling included) and nothing overflows the screen."""

from __future__ import annotations

import os
import shutil
from datetime import datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from admin.accounts import add_user
from ivr.store.db import Store
from tests.fixtures.admin import NOW, PASSWORD
from tests.fixtures.browser import sign_in
from tests.fixtures.db import sqlite_url
from tests.fixtures.marianne import seed

PAGES = {"indicateurs": "/?start=2026-11-01&end=2026-11-30", "marianne": "/marianne/?mois=2026-11"}
ELU_PAGES = {"agenda-semaine": "/agenda/maire?jour=2026-12-03&vue=semaine",
             "agenda-jour": "/agenda/maire?jour=2026-12-03", "alertes": "/alertes/"}
WIDTHS = {"bureau": 1280, "telephone": 390}
READABLE_PX = 12.0

# The smallest text of the charts as drawn on screen: an SVG's text scales with the SVG.
SMALLEST_CHART_TEXT = """() => {
  const sizes = [];
  for (const svg of document.querySelectorAll('figure.chart svg')) {
    const box = svg.getBoundingClientRect();
    if (!box.width) continue;  // the drawing for the other width
    const scale = box.width / svg.viewBox.baseVal.width;
    for (const text of svg.querySelectorAll('text')) {
      if (text.textContent.trim() && text.getClientRects().length)
        sizes.push(parseFloat(getComputedStyle(text).fontSize) * scale);
    }
  }
  for (const label of document.querySelectorAll('figure.chart .bar-label, figure.chart .bar-value'))
    sizes.push(parseFloat(getComputedStyle(label).fontSize));
  return {count: sizes.length, smallest: Math.min(...sizes)};
}"""


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """Pages, not the database, are under test: SQLite only."""
    return sqlite_url(tmp_path)


def _shoot(page: Page, name: str, tmp_path: Path) -> None:
    """Keep a full-page screenshot; copied to $TOWNHALL_SCREENSHOTS for people to look at."""
    shot = tmp_path / f"{name}.png"
    page.screenshot(path=str(shot), full_page=True)
    if folder := os.environ.get("TOWNHALL_SCREENSHOTS"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, folder)


@pytest.mark.parametrize("width", WIDTHS)
def test_chart_labels_are_readable_and_pages_fit_the_screen(
    browser: Browser, base_url: str, store: Store, users: dict[str, str], tmp_path: Path,
    width: str,
) -> None:
    seed(store)
    page = browser.new_page(viewport={"width": WIDTHS[width], "height": 900})
    sign_in(page, base_url, "elu", PASSWORD)
    for name, path in PAGES.items():
        page.goto(base_url + path)
        measured = page.evaluate(SMALLEST_CHART_TEXT)
        assert measured["count"] > 10, name
        assert measured["smallest"] >= READABLE_PX, (name, width, measured)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (name, width, overflow)
        _shoot(page, f"{name}-{width}", tmp_path)


def test_the_elus_other_pages_fit_a_phone(
    browser: Browser, base_url: str, store: Store, tmp_path: Path,
) -> None:
    with store.session() as session:  # the mayor: an élu with an agenda of their own
        add_user(session, datetime.fromisoformat(NOW), "maire", PASSWORD, "elu", None,
                 actor="test")
    page = browser.new_page(viewport={"width": WIDTHS["telephone"], "height": 900})
    sign_in(page, base_url, "maire", PASSWORD)
    for name, path in ELU_PAGES.items():
        assert page.goto(base_url + path).status == 200, name  # type: ignore[union-attr]
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (name, overflow)
        _shoot(page, f"{name}-telephone", tmp_path)
