"""The satisfaction survey: two keypad questions, bad keys end it politely with no score."""

from __future__ import annotations

from datetime import datetime

import pytest

from ivr.domain.outcomes import ContactOutcome
from ivr.domain.prompt_texts import Prompt
from ivr.flow.dialogue import Finish
from ivr.flow.queries import Unavailable
from ivr.flow.survey import RecordSurvey, Survey, SurveyAllowed
from tests.fixtures.requests import RULES

AT = datetime.fromisoformat("2026-12-01T10:00:00+01:00")


def allowed() -> Survey:
    survey = Survey(RULES, "call-3", "+33612345678")
    assert survey.start(AT).ask == SurveyAllowed("+33612345678", AT)
    reply = survey.answered(True, AT)
    assert reply.say == (Prompt("survey-satisfaction"),) and reply.listen
    return survey


def test_two_answers_are_kept_then_thanks() -> None:
    survey = allowed()
    assert survey.digit("4", AT).say == (Prompt("survey-got-answer"),)
    saving = survey.digit("2", AT)
    assert saving.ask == RecordSurvey("call-3", "+33612345678", 4, False, AT)
    done = survey.answered(7, AT)
    assert done.say == (Prompt("survey-thanks"),)
    assert done.end == Finish(ContactOutcome.ANSWERED, "survey_done")


@pytest.mark.parametrize("key", ["0", "6", "9", "*", "#"])
def test_a_score_out_of_range_records_no_score(key: str) -> None:
    survey = allowed()
    saving = survey.digit(key, AT)
    assert saving.ask == RecordSurvey("call-3", "+33612345678", None, None, AT)
    assert survey.answered(1, AT).end == Finish(ContactOutcome.ANSWERED, "survey_done")


def test_silence_keeps_what_was_keyed() -> None:
    survey = allowed()
    assert survey.timeout(AT).ask == RecordSurvey("call-3", "+33612345678", None, None, AT)
    second = allowed()
    second.digit("5", AT)
    assert second.digit("7", AT).ask == RecordSurvey("call-3", "+33612345678", 5, None, AT)


@pytest.mark.parametrize("answer", [False, Unavailable("store")])
def test_not_asked_this_week_or_store_away(answer: object) -> None:
    survey = Survey(RULES, "call-3", None)
    survey.start(AT)
    reply = survey.answered(answer, AT)
    assert reply.end == Finish(ContactOutcome.ANSWERED, "survey_skipped") and reply.ask is None
