"""The campaign report printed to PDF says who was reached, who asked for help, and
every attempt (read back with pdftotext); a whole commune's report (2,000 recipients)
prints in one go and its last page renders."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from admin.alert_report import report_pdf
from ivr.alerts.report import AttemptView, CampaignView, RecipientView

PARIS = ZoneInfo("Europe/Paris")
T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
CAMPAIGN = CampaignView(4, "Crue de la Garonne", "alerte", True, "terminee", "maire", "admin",
                        T0, T0)


def pdf_text(path: Path, *pages: str) -> str:
    out = subprocess.run(["pdftotext", *pages, str(path), "-"], capture_output=True,
                         text=True, check=True, timeout=60).stdout
    return " ".join(out.split())


def test_pdf_lists_counts_recipients_and_attempts(tmp_path: Path) -> None:
    people = [
        RecipientView("Mme Léa Martin", "+33612345678", True, "registre", "aide", T0, T0,
                      (AttemptView(T0, T0, "busy", None), AttemptView(T0, T0, "help", None))),
        RecipientView("M. Paul Durand", "+33142000000", False, "abonne", "non_acquitte", None,
                      None, (AttemptView(T0, T0, "no_answer", "pas de réponse"),)),
    ]
    path = tmp_path / "rapport.pdf"
    path.write_bytes(report_pdf(CAMPAIGN, people, "Saint-Martin", PARIS, T0))
    text = pdf_text(path)
    assert "campagne d'alerte n° 4" in text and "Crue de la Garonne" in text
    assert "essai (cellule de crise seulement)" in text
    assert "Mme Léa Martin · 06 12 34 56 78" in text and "vulnérable" in text
    assert "1. 01/12/2026 03:00:00 → 03:00:00 : occupé ;" in text
    assert "2. 01/12/2026 03:00:00 → 03:00:00 : aide demandée (touche 2)" in text
    assert "pas de réponse (pas de réponse)" in text and "Non confirmé" in text
    assert "A demandé de l'aide 1" in text and "Total 2" in text


def test_a_long_report_prints_and_its_last_page_renders(tmp_path: Path) -> None:
    """600 recipients over many pages (the 2,000 of a whole commune are timed in
    ``bench.alert_report_bench``: the layout is the same, row after row)."""
    attempts = (AttemptView(T0, T0, "busy", None), AttemptView(T0, T0, "no_answer", None),
                AttemptView(T0, T0, "acknowledged", None))
    people = [RecipientView(f"Habitant n° {i}", f"+3361200{i:04d}", i % 7 == 0, "registre",
                            "acquitte", T0, None, attempts) for i in range(600)]
    path = tmp_path / "rapport.pdf"
    path.write_bytes(report_pdf(CAMPAIGN, people, "Saint-Martin", PARIS, T0))
    pages = int(next(line.split()[-1] for line in subprocess.run(
        ["pdfinfo", str(path)], capture_output=True, text=True, check=True,
        timeout=60).stdout.splitlines() if line.startswith("Pages:")))
    last = pdf_text(path, "-f", str(pages), "-l", str(pages))
    assert "Habitant n° 599 · 06 12 00 05 99" in last and f"page {pages} / {pages}" in last
    gray = subprocess.run(["pdftoppm", "-f", str(pages), "-l", str(pages), "-r", "40",
                           "-gray", str(path)], capture_output=True, check=True,
                          timeout=60).stdout  # a PGM: « P5 width height 255 » then pixels
    width, height = map(int, gray.split(maxsplit=4)[1:3])
    pixels = gray[-width * height:]
    assert min(pixels) < 80 and max(pixels) > 200  # text drawn on a white page
