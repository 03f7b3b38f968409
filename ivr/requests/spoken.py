"""A request's state as the caller hears it on the phone, in plain French.

« Votre demande de passeport, mise à jour le jeudi 3 décembre. Votre titre est
disponible à la mairie… » — the type, the day of the last change, the status's
citizen sentence from the rules, and the promised date while it still runs.
"""

from __future__ import annotations

from datetime import datetime

from ivr.domain.hours import spoken_date
from ivr.requests import lifecycle
from ivr.rules import Rules

VOWELS = tuple("aeiouyéèêàâîôûh")


def of_kind(label: str) -> str:
    """« de passeport », « d'acte de naissance »: a type's label after « demande »."""
    noun = label[:1].lower() + label[1:]
    return f"d'{noun}" if noun.startswith(VOWELS) else f"de {noun}"


def request_name(rules: Rules, type_id: str) -> str:
    """« demande de passeport »."""
    return f"demande {of_kind(lifecycle.request_type(rules, type_id).label)}"


def spoken_state(rules: Rules, type_id: str, status: str, since: datetime,
                 due_at: datetime, closed: bool) -> str:
    """The sentences the caller hears about their request (town time for the days)."""
    zone = rules.town.zone
    when = spoken_date(since.astimezone(zone).date())
    sentences = [f"Votre {request_name(rules, type_id)}, mise à jour le {when}.",
                 lifecycle.citizen_sentence(rules, type_id, status)]
    stopped = lifecycle.status(rules, type_id, status).stops_clock
    if not closed and not stopped:
        sentences.append("La réponse est prévue au plus tard le "
                         f"{spoken_date(due_at.astimezone(zone).date())}.")
    return " ".join(sentences)
