"""The monthly PDF: printed once per month, opens, holds the charts; listed and downloaded."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from admin.marianne_report import due_month, kept_reports, report_html, write_report
from ivr.marianne.months import Month
from ivr.settings import Settings
from ivr.store.db import Store
from tests.fixtures.marianne import NOW, seed
from tests.fixtures.requests import PARIS, RULES

NOVEMBER = Month(2026, 11)


def test_the_report_holds_the_figures_and_the_charts(store: Store) -> None:
    seed(store)
    html = report_html(store, RULES, NOVEMBER, PARIS, NOW)
    assert "engagements Marianne, novembre 2026" in html
    assert html.count('class="chart-wide"') == 5  # the five trends; bars are HTML
    assert re.search(r'<span class="bar-label">État civil</span>.*?4,5</span>', html, re.DOTALL)
    assert "<strong>75\u00a0%</strong>" in html and "+336" not in html


def test_an_empty_month_says_so(store: Store) -> None:
    assert "Aucune donnée pour janvier 2025" in report_html(store, RULES, Month(2025, 1), PARIS,
                                                            NOW)


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils (scripts/bootstrap)")
def test_the_pdf_renders_once_per_month(store: Store, tmp_path: Path) -> None:
    seed(store)
    path, written = write_report(store, RULES, tmp_path, NOVEMBER, PARIS, NOW)
    assert written and path.read_bytes().startswith(b"%PDF")
    again = write_report(store, RULES, tmp_path, NOVEMBER, PARIS, NOW)
    assert again == (path, False)  # the job of the 1st is idempotent
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(path),
                    str(tmp_path / "page")], check=True, timeout=60)
    page = next(tmp_path.glob("page*.png"))
    assert page.stat().st_size > 5_000  # a page with text and a chart, not a blank one
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True, timeout=60).stdout
    assert "novembre 2026" in text and "Engagement 5" in text
    assert kept_reports(tmp_path) == [NOVEMBER]
    assert due_month(tmp_path, NOW, PARIS) is None  # December: November's report is kept
    assert due_month(tmp_path, NOW.replace(month=1, year=2027), PARIS) == Month(2026, 12)


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils (scripts/bootstrap)")
def test_reports_are_listed_and_downloaded(as_user: Callable[[str], FlaskClient], store: Store,
                                           settings: Settings) -> None:
    write_report(store, RULES, settings.home, NOVEMBER, PARIS, NOW)
    client = as_user("elu")
    page = client.get("/marianne/rapports").get_data(as_text=True)
    assert "novembre 2026" in page
    pdf = client.get("/marianne/rapports/2026-11.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert client.get("/marianne/rapports/2026-10.pdf").status_code == 404
    assert client.get("/marianne/rapports/..%2F.pdf").status_code == 404
    assert as_user("agent-ec").get("/marianne/rapports").status_code == 403
