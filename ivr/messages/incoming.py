"""What an incoming SMS or e-mail asks: a STOP keyword, a request reference, or anything else.

A reference is ten digits with a Luhn check digit (``ivr.requests.reference``); it may
be typed in pairs (« 12 34 56 78 90 ») or quoted in a subject (« [Réf 1234567890] »).
Only digits whose checksum is right count, which rules out nine phone numbers in
ten; the store links a text only to a reference that exists.

An e-mail quoting no reference is a complaint or a suggestion (référentiel Marianne)
when it was sent to the town hall's complaints address (``reclamations@…``,
``suggestions@…``: the local part says it) or its subject starts with the word
(« Réclamation : … », « Suggestion pour le marché »); else it is a question for the
accueil.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from ivr.requests.reference import is_valid

STOP_WORDS = frozenset({"STOP", "ARRET", "STOPSMS", "DESABONNER", "DESINSCRIRE"})
# « ABONNER BULLETIN », « inscription alertes »: the second word names a list
SUBSCRIBE_WORDS = frozenset({"ABONNER", "ABONNEMENT", "INSCRIRE", "INSCRIPTION"})
# ten digits, optionally separated by single spaces, dots or dashes, not inside a longer number
_CANDIDATE = re.compile(r"(?<![\d])(\d(?:[ .\-]?\d){9})(?![\d])")


class Intent(StrEnum):
    STOP = "stop"
    SUBSCRIBE = "subscribe"
    REFERENCE = "reference"
    OTHER = "other"


@dataclass(frozen=True)
class Parsed:
    """An incoming text read: its intent and the reference it quotes, if any."""

    intent: Intent
    reference: str | None
    text: str
    keyword: str | None = None  # the list named after a subscription word, lower case


def _plain(text: str) -> str:
    """Upper case without accents, so « Arrêt » and « arret » match ARRET."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()


def find_reference(text: str) -> str | None:
    """The first valid reference quoted in ``text``, digits only, or None."""
    for match in _CANDIDATE.finditer(text):
        digits = re.sub(r"\D", "", match.group(1))
        if is_valid(digits):
            return digits
    return None


def is_stop(text: str) -> bool:
    """Whether the text is an unsubscription keyword (alone, any case, accents, punctuation)."""
    words = re.findall(r"[A-Z]+", _plain(text))
    return len(words) == 1 and words[0] in STOP_WORDS


# words (accents and case aside) that make a mail a complaint or a suggestion
COMPLAINT_WORDS = ("RECLAMATION", "PLAINTE")
SUGGESTION_WORDS = ("SUGGESTION", "AVIS", "IDEE")


def _kind_of(word: str) -> str | None:
    plain = _plain(word)
    if plain.startswith(COMPLAINT_WORDS):
        return "reclamation"
    if plain.startswith(SUGGESTION_WORDS):
        return "suggestion"
    return None


def mail_request_type(recipients: tuple[str, ...], subject: str) -> str | None:
    """``reclamation`` or ``suggestion`` when the address or the subject's first word
    says so, else None (see the module docstring)."""
    for address in recipients:
        kind = _kind_of(address.partition("@")[0])
        if kind is not None:
            return kind
    first = re.findall(r"\w+", subject)
    return _kind_of(first[0]) if first else None


def subscription_keyword(text: str) -> str | None:
    """The list named in « ABONNER BULLETIN » (``bulletin``), or None."""
    words = re.findall(r"[A-Z0-9-]+", _plain(text))
    if len(words) == 2 and words[0] in SUBSCRIBE_WORDS:
        return words[1].lower()
    return None


def parse_sms(text: str) -> Parsed:
    """Read an incoming SMS: STOP first, a subscription keyword, then a reference, else
    something for the accueil."""
    cleaned = text.strip()
    if is_stop(cleaned):
        return Parsed(Intent.STOP, None, cleaned)
    keyword = subscription_keyword(cleaned)
    if keyword is not None:
        return Parsed(Intent.SUBSCRIBE, None, cleaned, keyword)
    reference = find_reference(cleaned)
    if reference is not None:
        return Parsed(Intent.REFERENCE, reference, cleaned)
    return Parsed(Intent.OTHER, None, cleaned)
