"""The survey's consent at the start of a call, and the survey after a self-service call."""

from __future__ import annotations

import pytest

from ivr.domain.outcomes import ContactOutcome
from ivr.domain.prompt_texts import Prompt
from ivr.flow import commands as c
from ivr.flow import events as e
from ivr.flow.queries import Unavailable
from ivr.flow.survey import RecordSurvey, SurveyAllowed
from tests.fixtures.flow import Call, of, records
from tests.fixtures.requests import RULES


def offered(caller: str | None = "0612345678",
            allowed: object = True) -> tuple[Call, list[c.Command]]:
    """A call offered the survey; the store says whether the number may be asked."""
    call = Call(rules=RULES)
    out = call.send(e.CallStarted, caller, "3000", "ref-1", None, None, True)
    if caller is None:
        return call, out
    [ask] = of(c.Ask, out)
    assert ask.query == SurveyAllowed(caller, call.at)
    return call, out + call.send(e.Answered, ask.token, allowed)


def prompts(commands: list[c.Command]) -> list[object]:
    return [item for play in of(c.Play, commands) for item in play.items]


def test_the_consent_question_follows_the_welcome() -> None:
    call, out = offered()
    assert Prompt("survey-consent") in prompts(out)
    assert of(c.StartTimer, call.prompt_done())  # a key is awaited


def test_accepted_by_phone_is_kept_on_the_channel_for_the_dialplan() -> None:
    call, _ = offered()
    call.prompt_done()
    out = call.digit("1")
    assert {"kind": "survey_by_phone"} in records(out, c.ContactEvent)
    assert c.Remember("survey", "phone") in out
    assert call.session.stage == "menu" and of(c.Play, out)  # then the main menu
    assert out.index(c.StopPlayback()) < out.index(c.Remember("survey", "phone"))


def test_by_sms_or_declined_or_silence_keep_nothing_on_the_channel() -> None:
    for key, kind in (("2", "survey_by_sms"), ("7", "survey_declined"), (None, "survey_declined")):
        call, _ = offered()
        call.prompt_done()
        out = call.digit(key) if key else call.timer()
        assert {"kind": kind} in records(out, c.ContactEvent)
        assert not of(c.Remember, out) and call.session.stage == "menu"


def test_a_withheld_number_is_not_asked() -> None:
    call, out = offered(caller=None)
    assert Prompt("survey-consent") not in prompts(out) and call.session.stage == "menu"


@pytest.mark.parametrize("allowed", [False, Unavailable("store")])
def test_a_number_surveyed_this_week_or_the_store_away_gets_the_menu(allowed: object) -> None:
    call, out = offered(allowed=allowed)
    assert Prompt("survey-consent") not in prompts(out) and call.session.stage == "menu"
    assert c.Remember("survey", "phone") not in call.digit("1")  # the menu's key


def test_a_key_before_the_question_is_not_a_consent() -> None:
    call = Call(rules=RULES)
    out = call.send(e.CallStarted, "0612345678", "3000", "ref-1", None, None, True)
    assert call.digit("1") == [] and call.prompt_done() == []  # the welcome ends: wait
    call.send(e.Answered, of(c.Ask, out)[0].token, True)
    assert of(c.StartTimer, call.prompt_done())


def test_not_offered_means_not_asked() -> None:
    call = Call(rules=RULES)
    assert Prompt("survey-consent") not in prompts(call.start())


def test_a_self_service_call_ends_with_the_survey_and_keeps_its_outcome() -> None:
    call, _ = offered()
    call.prompt_done()
    call.digit("1")  # yes, by phone
    call.digit("3")
    call.digit("3")  # the school procedure, told by the IVR itself
    call.prompt_done()
    goodbye = call.timer()  # silence after the answer: goodbye…
    assert not of(c.Hangup, goodbye)
    out = call.prompt_done()  # …then the survey instead of the hang-up
    assert {"kind": "survey_offered", "after": "self_service"} in records(out, c.ContactEvent)
    [ask] = of(c.Ask, out)
    assert isinstance(ask.query, SurveyAllowed)
    call.send(e.Answered, ask.token, True)
    call.prompt_done()
    call.digit("5")
    out = call.digit("1")
    [ask] = of(c.Ask, out)
    assert isinstance(ask.query, RecordSurvey)
    assert (ask.query.satisfaction, ask.query.got_answer) == (5, True)
    call.send(e.Answered, ask.token, 1)
    end = call.prompt_done()
    assert of(c.FinishContact, end)[0].outcome == ContactOutcome.SELF_SERVICE
    assert of(c.Hangup, end) == [c.Hangup("survey_done")]


def test_hanging_up_during_that_survey_keeps_the_self_service_outcome() -> None:
    call, _ = offered()
    call.prompt_done()
    call.digit("1")
    call.digit("3")
    call.digit("3")
    call.prompt_done()
    call.timer()
    call.prompt_done()
    out = call.send(e.HungUp)
    assert of(c.FinishContact, out)[0].outcome == ContactOutcome.SELF_SERVICE
