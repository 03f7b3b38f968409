"""The campaign report printed to PDF says who was reached, who asked for help, and
every attempt (read back with pdftotext)."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from admin.alert_report import report_pdf
from ivr.alerts.report import AttemptView, CampaignView, RecipientView

PARIS = ZoneInfo("Europe/Paris")
T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def test_pdf_lists_counts_recipients_and_attempts(tmp_path: Path) -> None:
    campaign = CampaignView(4, "Crue de la Garonne", "alerte", True, "terminee", "maire",
                            "admin", T0, T0)
    people = [
        RecipientView("Mme Léa Martin", "+33612345678", True, "registre", "aide", T0, T0,
                      (AttemptView(T0, T0, "busy", None), AttemptView(T0, T0, "help", None))),
        RecipientView("M. Paul Durand", "+33142000000", False, "abonne", "non_acquitte", None,
                      None, (AttemptView(T0, T0, "no_answer", "pas de réponse"),)),
    ]
    path = tmp_path / "rapport.pdf"
    path.write_bytes(report_pdf(campaign, people, "Saint-Martin", PARIS, T0))
    text = " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True,
                                   text=True, check=True, timeout=60).stdout.split())
    assert "campagne d'alerte n° 4" in text and "Crue de la Garonne" in text
    assert "essai (cellule de crise seulement)" in text
    assert "Mme Léa Martin" in text and "06 12 34 56 78" in text
    assert "1. 01/12/2026 03:00:00 → 03:00:00 : occupé" in text
    assert "2. 01/12/2026 03:00:00 → 03:00:00 : aide demandée (touche 2)" in text
    assert "pas de réponse (pas de réponse)" in text and "Non confirmé" in text
    assert "A demandé de l'aide 1" in text and "Total 2" in text
