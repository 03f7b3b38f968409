"""The satisfaction survey at the end of a call (référentiel Marianne): no I/O.

Steps::

    ALLOWED? ──yes──▶ SATISFACTION (1-5) ──▶ GOT_ANSWER (1 oui, 2 non) ──▶ SAVING ──▶ thanks
       │no                 │ other key / silence      │ other key / silence
       ▼                   ▼                          ▼
    goodbye             SAVING (no score)          SAVING (the first score only)

The store says whether this number may be asked (never more than once a week); a
key out of range or none ends the survey politely and no score is recorded for it
(the survey still counts as offered, so the number is not asked again this week).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from ivr.domain.outcomes import ContactOutcome
from ivr.domain.prompt_texts import Prompt
from ivr.flow.dialogue import Finish, Reply
from ivr.flow.queries import Query
from ivr.rules import Rules

SCORES = "12345"
YES_NO = {"1": True, "2": False}


@dataclass(frozen=True)
class SurveyAllowed(Query):
    """May ``caller`` be asked now (a number, not surveyed within the week)? A bool."""

    caller: str | None
    at: datetime


@dataclass(frozen=True)
class RecordSurvey(Query):
    """Keep the survey of this call (scores None when none was keyed); the answer is its id."""

    call_id: str
    caller: str | None
    satisfaction: int | None
    got_answer: bool | None
    at: datetime


class Step(StrEnum):
    ALLOWED = "allowed"
    SATISFACTION = "satisfaction"
    GOT_ANSWER = "got_answer"
    SAVING = "saving"
    DONE = "done"


@dataclass
class Survey:
    """Two keypad questions after a call answered by an agent or the IVR itself."""

    name: ClassVar[str] = "survey"
    rules: Rules
    call_id: str
    caller: str | None
    step: Step = Step.ALLOWED
    satisfaction: int | None = None
    got_answer: bool | None = None

    def start(self, at: datetime) -> Reply:
        """Ask the store whether this number may be surveyed."""
        return Reply(ask=SurveyAllowed(self.caller, at))

    def answered(self, result: object, at: datetime) -> Reply:
        """The permission, then the survey's safe keeping."""
        if self.step == Step.ALLOWED:
            if result is not True:
                return self._end("survey_skipped", Prompt("goodbye"))
            self.step = Step.SATISFACTION
            return Reply((Prompt("survey-satisfaction"),), self._timeout)
        if self.step == Step.SAVING:
            return self._end("survey_done", Prompt("survey-thanks"))
        return Reply()

    def digit(self, digit: str, at: datetime) -> Reply:
        """A score, then yes or no; anything else ends the survey."""
        if self.step == Step.SATISFACTION and digit in SCORES:
            self.satisfaction, self.step = int(digit), Step.GOT_ANSWER
            return Reply((Prompt("survey-got-answer"),), self._timeout)
        if self.step == Step.GOT_ANSWER and digit in YES_NO:
            self.got_answer = YES_NO[digit]
            return self._save(at)
        if self.step in (Step.SATISFACTION, Step.GOT_ANSWER):
            return self._save(at)
        return Reply()

    def timeout(self, at: datetime) -> Reply:
        """No key: keep what was keyed, end politely."""
        if self.step in (Step.SATISFACTION, Step.GOT_ANSWER):
            return self._save(at)
        return Reply()

    def recorded(self, name: str | None, seconds: float, at: datetime) -> Reply:
        """Never records."""
        return Reply()

    def _save(self, at: datetime) -> Reply:
        self.step = Step.SAVING
        return Reply(ask=RecordSurvey(self.call_id, self.caller, self.satisfaction,
                                      self.got_answer, at))

    def _end(self, reason: str, words: Prompt) -> Reply:
        self.step = Step.DONE
        return Reply((words,), end=Finish(ContactOutcome.ANSWERED, reason))

    @property
    def _timeout(self) -> float:
        return float(self.rules.input.digit_timeout)
