"""The campaign report as CSV: Excel-friendly, one row per attempt, nothing lost."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from ivr.alerts.report import (
    AttemptView,
    CampaignView,
    RecipientView,
    phone_text,
    report_csv,
    tally,
)

PARIS = ZoneInfo("Europe/Paris")
T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
CAMPAIGN = CampaignView(3, "Crue", "alerte", False, "terminee", "maire", "telephone", T0, T0)
ACK = RecipientView("Mme Léa Martin", "+33612345678", True, "registre", "acquitte", T0, None, (
    AttemptView(T0, T0, "no_answer", "pas de réponse après 30 s"),
    AttemptView(T0, T0, "acknowledged", None)))
NEVER = RecipientView("=HYPERLINK(1)", "+590690123456", False, "abonne", "echec", None, None,
                      (), "numéro injoignable")


def test_csv_has_bom_semicolons_one_row_per_attempt_and_paris_times() -> None:
    data = report_csv(CAMPAIGN, [ACK, NEVER], PARIS)
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert table[0][:3] == ["Campagne", "Nom", "Numéro"] and len(table) == 4
    first, second, never = table[1:]
    assert first[1:6] == ["Mme Léa Martin", "06 12 34 56 78", "oui", "registre",
                          "A confirmé avoir entendu"]
    assert first[6] == "01/12/2026 03:00:00" and first[8:10] == ["2", "1"]
    assert first[12:] == ["pas de réponse", "pas de réponse après 30 s"]
    assert second[9] == "2" and second[12] == "confirmé (touche 1)"
    assert never[1] == "'=HYPERLINK(1)" and never[2] == "06 90 12 34 56"
    assert never[5] == "Échec" and never[8:] == ["0", "", "", "", "", "numéro injoignable"]


def test_tally_and_phone_text() -> None:
    counts = tally([ACK, NEVER])
    assert counts["A confirmé avoir entendu"] == 1 and counts["Échec"] == 1
    assert counts["En attente"] == 0
    assert phone_text("+442079460958") == "00 44 20 79 46 09 58"
