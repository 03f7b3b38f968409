"""The e-mail that carries the monthly Marianne report to the élus (pure).

The addresses come from ``TOWNHALL_REPORT_RECIPIENTS`` (commas); one that is not an
address is set aside and named, so the job can say which one it skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ivr.marianne.months import Month

_ADDRESS = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
SUBJECT = "Engagements Marianne — rapport de {month}"
BODY = ("Bonjour,\n\nVeuillez trouver ci-joint le rapport mensuel des engagements Marianne "
        "de {town} pour {month} : accueil téléphonique, satisfaction des usagers, délais de "
        "réponse, réclamations et suggestions.\n\nCe rapport ne contient aucune donnée "
        "personnelle.\n\n— Le standard de {town}")


@dataclass(frozen=True)
class Recipients:
    valid: tuple[str, ...]
    refused: tuple[str, ...]


def recipients(text: str) -> Recipients:
    """The élus' addresses of ``text`` (commas or semicolons), lower case, each once."""
    items = [item.strip() for item in re.split(r"[,;]", text) if item.strip()]
    valid = tuple(dict.fromkeys(i.lower() for i in items if _ADDRESS.match(i)))
    return Recipients(valid, tuple(i for i in items if not _ADDRESS.match(i)))


def report_mail(month: Month, town: str) -> tuple[str, str]:
    """(subject, body) of the report's e-mail."""
    return (SUBJECT.format(month=month.label),
            BODY.format(month=month.label, town=town))


def dedupe_key(month: Month, address: str) -> str:
    """One report per month and address, however often the job runs."""
    return f"marianne-report:{month}:{address}"[:128]
