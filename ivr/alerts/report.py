"""The end-of-campaign report, per recipient with every attempt: pure (views in, text out).

For the mayor and the préfecture: who was called, how often, what each call gave, who
acknowledged and who asked for help. The CSV opens in Excel as it is (UTF-8 with BOM,
``;`` separators, times in the town's wall time, numbers written so that no leading
zero is lost and no cell reads as a formula); the PDF prints the same rows
(``admin.alert_report``).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, tzinfo

from ivr.domain.csv_text import FORMULA_START
from ivr.domain.phone_numbers import national_digits

STATE_LABELS = {
    "en_attente": "En attente",
    "en_cours": "Appel en cours",
    "acquitte": "A confirmé avoir entendu",
    "aide": "A demandé de l'aide",
    "messagerie": "Message laissé sur répondeur",
    "non_acquitte": "Non confirmé",
    "echec": "Échec",
}
RESULT_LABELS = {
    "acknowledged": "confirmé (touche 1)", "acquitte": "confirmé (touche 1)",
    "help": "aide demandée (touche 2)", "aide": "aide demandée (touche 2)",
    "answered": "décroché sans confirmer", "no_key": "décroché sans confirmer",
    "busy": "occupé", "no_answer": "pas de réponse", "rejected": "refusé",
    "failed": "échec", "machine": "répondeur", "voicemail": "répondeur",
    "congestion": "réseau saturé", "no_channel": "aucune ligne libre",
}
SOURCE_LABELS = {"abonne": "abonné", "registre": "registre", "cellule": "cellule de crise"}
FINAL_STATES = frozenset({"acquitte", "aide", "messagerie", "non_acquitte", "echec"})
HEADER = ("Campagne", "Nom", "Numéro", "Vulnérable", "Source", "État", "Confirmé le",
          "Aide demandée le", "Nombre de tentatives", "Tentative", "Début", "Fin", "Résultat",
          "Motif")


@dataclass(frozen=True)
class AttemptView:
    """One call to a recipient."""

    started_at: datetime
    ended_at: datetime | None
    result: str | None
    reason: str | None


@dataclass(frozen=True)
class RecipientView:
    """A recipient as the report shows them, attempts oldest first."""

    name: str | None
    number: str  # E.164
    vulnerable: bool
    source: str
    state: str
    acknowledged_at: datetime | None
    help_requested_at: datetime | None
    attempts: tuple[AttemptView, ...]
    last_reason: str | None = None


@dataclass(frozen=True)
class CampaignView:
    """The campaign's heading of the report."""

    id: int
    title: str
    mode: str
    test_mode: bool
    status: str
    created_by: str | None
    created_via: str
    started_at: datetime | None
    finished_at: datetime | None
    message_text: str | None = None


def phone_text(e164: str) -> str:
    """``+33612345678`` → ``06 12 34 56 78``: a text Excel keeps as written."""
    digits = national_digits(e164)
    return " ".join(digits[i:i + 2] for i in range(0, len(digits), 2))


def safe_cell(text: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    return "'" + text if text.startswith(FORMULA_START) else text


def local_time(value: datetime | None, zone: tzinfo) -> str:
    return value.astimezone(zone).strftime("%d/%m/%Y %H:%M:%S") if value else ""


def result_label(result: str | None) -> str:
    return RESULT_LABELS.get(result or "", result or "")


def attempt_lines(recipient: RecipientView, zone: tzinfo) -> list[str]:
    """Each attempt in one line: « 2. 01/12/2026 03:05:00 → 03:05:40 : occupé (motif) »."""
    out = []
    for number, a in enumerate(recipient.attempts, start=1):
        end = f" → {a.ended_at.astimezone(zone):%H:%M:%S}" if a.ended_at else ""
        why = f" ({a.reason})" if a.reason else ""
        out.append(f"{number}. {local_time(a.started_at, zone)}{end} : "
                   f"{result_label(a.result) or 'sans résultat'}{why}")
    return out or [f"aucun appel{f' ({recipient.last_reason})' if recipient.last_reason else ''}"]


def tally(recipients: list[RecipientView]) -> dict[str, int]:
    """How many recipients are in each state (labels as keys, zeros kept)."""
    counts = Counter(r.state for r in recipients)
    return {label: counts.get(state, 0) for state, label in STATE_LABELS.items()}


def rows(campaign: CampaignView, recipients: list[RecipientView], zone: tzinfo
         ) -> list[tuple[str, ...]]:
    """One row per attempt (a recipient never called: one row without attempt)."""
    out: list[tuple[str, ...]] = []
    for r in recipients:
        person = (str(campaign.id), safe_cell(r.name or ""), phone_text(r.number),
                  "oui" if r.vulnerable else "non", SOURCE_LABELS.get(r.source, r.source),
                  STATE_LABELS.get(r.state, r.state), local_time(r.acknowledged_at, zone),
                  local_time(r.help_requested_at, zone), str(len(r.attempts)))
        if not r.attempts:
            out.append((*person, "", "", "", "", safe_cell(r.last_reason or "")))
        for number, attempt in enumerate(r.attempts, start=1):
            out.append((*person, str(number), local_time(attempt.started_at, zone),
                        local_time(attempt.ended_at, zone), result_label(attempt.result),
                        safe_cell(attempt.reason or "")))
    return out


def report_csv(campaign: CampaignView, recipients: list[RecipientView], zone: tzinfo) -> bytes:
    """The report as an Excel-friendly CSV file (UTF-8 BOM, ``;``, CRLF)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows(campaign, recipients, zone))
    return buffer.getvalue().encode("utf-8-sig")
