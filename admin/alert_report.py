"""The end-of-campaign report as a PDF (HTML printed by WeasyPrint), like the Marianne
monthly report: the same rows as the CSV (``ivr.alerts.report``), for the mayor and
the préfecture."""

from __future__ import annotations

from datetime import datetime, tzinfo
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from ivr.alerts.report import (
    SOURCE_LABELS,
    STATE_LABELS,
    CampaignView,
    RecipientView,
    attempt_lines,
    local_time,
    phone_text,
    tally,
)

TEMPLATES = Path(__file__).parent / "templates"


def report_html(campaign: CampaignView, recipients: list[RecipientView], town: str,
                zone: tzinfo, now: datetime) -> str:
    """The report as one HTML document."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape())
    return env.get_template("alerts/report.html").render(
        campaign=campaign, recipients=recipients, town=town, counts=tally(recipients),
        states=STATE_LABELS, sources=SOURCE_LABELS, phone=phone_text,
        when=lambda value: local_time(value, zone) or "—",
        attempts=lambda r: attempt_lines(r, zone), generated=local_time(now, zone),
        started=local_time(campaign.started_at, zone),
        finished=local_time(campaign.finished_at, zone))


def report_pdf(campaign: CampaignView, recipients: list[RecipientView], town: str,
               zone: tzinfo, now: datetime) -> bytes:
    """The report printed to PDF."""
    from weasyprint import HTML  # heavy (Pango): imported only to print

    pdf = HTML(string=report_html(campaign, recipients, town, zone, now)).write_pdf()
    assert pdf is not None
    return pdf
