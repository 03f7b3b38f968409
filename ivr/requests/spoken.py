"""A request's state as the caller hears it on the phone, in plain French.

« Votre demande de passeport, mise à jour le jeudi 3 décembre. Votre titre est
disponible à la mairie… » — the type, the day of the last change, the status's
citizen sentence from the rules, and the promised date while it still runs.

The state is said as a row of pieces, each from a finite set (``state_pieces``: one
lead per type, the citizen sentences, the words of dates) rendered when the rules load,
so nothing is synthesised between the caller's last key and the first word.
"""

from __future__ import annotations

from datetime import date, datetime

from ivr.domain.hours import DAY_WORDS, MONTHS, date_pieces
from ivr.domain.prompt_texts import Text
from ivr.requests import lifecycle
from ivr.rules import Rules

VOWELS = tuple("aeiouyéèêàâîôûh")
DUE_LEAD = "La réponse est prévue au plus tard le"


def of_kind(label: str) -> str:
    """« de passeport », « d'acte de naissance »: a type's label after « demande »."""
    noun = label[:1].lower() + label[1:]
    return f"d'{noun}" if noun.startswith(VOWELS) else f"de {noun}"


def request_name(rules: Rules, type_id: str) -> str:
    """« demande de passeport »."""
    return f"demande {of_kind(lifecycle.request_type(rules, type_id).label)}"


def spoken_state(rules: Rules, type_id: str, status: str, since: datetime,
                 due_at: datetime, closed: bool) -> tuple[Text, ...]:
    """The pieces of what the caller hears about their request (town time for days)."""
    zone = rules.town.zone
    items = [_lead(rules, type_id), *_date(since.astimezone(zone).date()),
             Text(lifecycle.citizen_sentence(rules, type_id, status))]
    if not closed and not lifecycle.status(rules, type_id, status).stops_clock:
        items += [Text(DUE_LEAD, piece=True), *_date(due_at.astimezone(zone).date())]
    return tuple(items)


def as_sentence(items: tuple[Text, ...]) -> str:
    """The pieces as one written text (a message, a log line)."""
    return " ".join(item.text for item in items)


def state_pieces(rules: Rules) -> list[Text]:
    """Every piece ``spoken_state`` may say with these rules, to render ahead of calls."""
    pieces = [_lead(rules, type_id) for type_id in rules.request_types]
    pieces += [Text(status.citizen) for flow in rules.request_workflows.values()
               for status in flow.statuses.values()]
    pieces += [Text(DUE_LEAD, piece=True)]
    pieces += [Text(word, piece=True) for word in DAY_WORDS]
    pieces += [Text(f"{month}.") for month in MONTHS]
    return pieces


def _lead(rules: Rules, type_id: str) -> Text:
    return Text(f"Votre {request_name(rules, type_id)}, mise à jour le", piece=True)


def _date(day: date) -> tuple[Text, ...]:
    """« jeudi » « 3 » « décembre. »: the month ends the sentence, with its pause."""
    weekday, number, month = date_pieces(day)
    return Text(weekday, piece=True), Text(number, piece=True), Text(f"{month}.")
