"""The monthly Marianne report: HTML with the charts as SVG, printed to PDF by WeasyPrint.

Reports are files ``<home>/reports/marianne-AAAA-MM.pdf``: one per month, written
once (a second run for the same month leaves it alone unless forced), listed and
downloaded in the admin. Rendered with the admin's own panel macro, so the PDF says
what the dashboard says; no personal data reaches a panel.
"""

from __future__ import annotations

import os
import re
from datetime import datetime, tzinfo
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from admin.charts import trend_chart
from admin.templating import format_number
from ivr.marianne.months import Month
from ivr.marianne.panels import by_department_rows, panels
from ivr.rules import Rules
from ivr.store.db import Store
from ivr.store.marianne import month_board

TEMPLATES = Path(__file__).parent / "templates"
NAME = re.compile(r"^marianne-(\d{4}-\d{2})\.pdf$")


def reports_dir(home: Path) -> Path:
    """Where the monthly reports are kept."""
    return home / "reports"


def report_path(home: Path, month: Month) -> Path:
    """The file of ``month``'s report."""
    return reports_dir(home) / f"marianne-{month}.pdf"


def kept_reports(home: Path) -> list[Month]:
    """The months whose report is kept, newest first."""
    folder = reports_dir(home)
    found = [NAME.match(p.name) for p in folder.iterdir()] if folder.is_dir() else []
    return sorted((Month.parse(m[1]) for m in found if m), reverse=True)


def report_html(store: Store, rules: Rules, month: Month, zone: tzinfo, now: datetime) -> str:
    """The report of ``month`` as one HTML document (charts inline as SVG)."""
    current, series = month_board(store, month, zone, now)
    shown = panels(current, series)
    names = {key: d.name for key, d in rules.departments.items()}
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape())
    env.filters["number"] = format_number
    return env.get_template("marianne/report.html").render(
        month=month, town=rules.town.name, panels=shown, empty=current.empty, generated=now,
        charts={p.number: trend_chart(p.trend_label, list(p.trend), p.target) for p in shown},
        departments=by_department_rows(current, names))


def write_report(store: Store, rules: Rules, home: Path, month: Month, zone: tzinfo,
                 now: datetime, *, force: bool = False) -> tuple[Path, bool]:
    """Print ``month``'s report unless kept already; (its path, whether it was written)."""
    from weasyprint import HTML  # heavy (Pango): imported only to print

    path = report_path(home, month)
    if path.exists() and not force:
        return path, False
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf = HTML(string=report_html(store, rules, month, zone, now)).write_pdf()
    assert pdf is not None
    partial = path.with_suffix(".part")
    partial.write_bytes(pdf)
    os.replace(partial, path)  # a reader never sees half a report
    return path, True


def due_month(home: Path, now: datetime, zone: tzinfo) -> Month | None:
    """Last month, when its report is not kept yet (the job of the 1st, caught up later)."""
    last = Month.of(now, zone).shifted(-1)
    return None if report_path(home, last).exists() else last
