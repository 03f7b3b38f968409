"""The satisfaction survey by an SMS link after the call (pure): the text, the answers.

A caller who chose « par SMS » at the start of the call gets, once the call is over
(answered by an agent or by the IVR itself), one SMS with a personal link to a public
page asking the same two questions as the phone. The link works for ``VALID_FOR``; the
answers are read here, so the page and the phone keep one meaning for each score.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

VALID_FOR = timedelta(days=14)
SMS = ("{town} : merci pour votre appel. Donnez votre avis en deux questions : {url} "
       "(lien personnel, valable 14 jours).")
SCORES = {"1": 1, "2": 2, "3": 3, "4": 4, "5": 5}
YES_NO = {"oui": True, "non": False}


class InvalidAnswer(ValueError):
    """A score or yes/no the form cannot carry (a tampered or empty form): French text."""


class LinkRefused(ValueError):
    """The link cannot be answered: ``status`` 404 (unknown), 409 (answered), 410 (expired)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.message, self.status = message, status


@dataclass(frozen=True)
class LinkAnswers:
    satisfaction: int
    got_answer: bool | None


def survey_url(public_url: str, token: str) -> str:
    """The public page of one survey link."""
    return f"{public_url.rstrip('/')}/public/avis/{token}"


def survey_sms(town: str, url: str) -> str:
    """The SMS that carries the link."""
    return SMS.format(town=town, url=url)


def read_answers(satisfaction: str, got_answer: str) -> LinkAnswers:
    """The form's two answers; the score is required, « avez-vous obtenu… » optional."""
    if satisfaction.strip() not in SCORES:
        raise InvalidAnswer("Choisissez une note de 1 (pas du tout satisfait) à 5 "
                            "(très satisfait).")
    if got_answer.strip() and got_answer.strip() not in YES_NO:
        raise InvalidAnswer("Répondez « oui » ou « non » à la seconde question.")
    return LinkAnswers(SCORES[satisfaction.strip()], YES_NO.get(got_answer.strip()))
