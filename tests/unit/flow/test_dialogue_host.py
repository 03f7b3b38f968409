"""The session hosting a dialogue: each kind of end leads where ``ivr.flow.dialogue``
says, the dialogue's last words are heard first, and a hang-up names the dialogue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

import pytest

from ivr.domain.outcomes import ContactOutcome
from ivr.domain.prompt_texts import Text
from ivr.flow import commands as c
from ivr.flow import events as e
from ivr.flow.dialogue import Fallback, Finish, Listen, Reply, ToMainMenu, Transfer
from ivr.flow.dialogues import DIALOGUES, Opening
from ivr.flow.queries import Query, Unavailable
from ivr.flow.session import Stage
from tests.fixtures.flow import RULES, Call, of, records, said

ENDS = {
    "1": Transfer("etat-civil"),
    "2": ToMainMenu(),
    "3": Finish(ContactOutcome.INFO, "self_service"),
    "4": Fallback("gave_up"),
}


@dataclass(frozen=True)
class Lookup(Query):
    key: str


@dataclass
class Stub:
    """A dialogue that asks one question and ends as the key says."""

    name: ClassVar[str] = "stub"
    keys: str = ""

    def start(self, at: datetime) -> Reply:
        return Reply((Text("Question ?"),), listen=4.0)

    def digit(self, digit: str, at: datetime) -> Reply:
        self.keys += digit
        if digit == "9":
            return Reply((Text("Un instant."),), ask=Lookup(self.keys))
        if digit == "8":
            return Reply((Text("Après le bip, parlez."),), record=Listen(30, 2))
        return Reply((Text(f"Dernier mot {digit}."),),
                     commands=(c.ContactEvent(at, "stub", {"key": digit}),), end=ENDS[digit])

    def timeout(self, at: datetime) -> Reply:
        return Reply((Text("Encore ?"),), listen=4.0)

    def recorded(self, name: str | None, seconds: float, at: datetime) -> Reply:
        return Reply((Text(f"Enregistré {name} {seconds:g}."),), listen=4.0)

    def answered(self, result: object, at: datetime) -> Reply:
        if isinstance(result, Unavailable):
            return Reply((Text("Service indisponible."),), end=Fallback(result.why))
        return Reply((Text(f"Réponse {result}."),), listen=4.0)


def in_stub() -> Call:
    call = Call()
    call.start()
    out = call.session.begin(Stub(), call.at)
    assert call.session.stage is Stage.DIALOGUE and "Question ?" in said(out)
    out = call.prompt_done()
    assert of(c.StartTimer, out)[0].seconds == 4.0  # the dialogue's own listening time
    return call


def test_a_transfer_says_the_last_words_then_puts_through() -> None:
    call = in_stub()
    out = call.digit("1")
    assert records(out, c.ContactEvent)[0] == {"kind": "stub", "key": "1"}
    assert said(out).startswith("Dernier mot 1.") and "état civil" in said(out).lower()
    assert records(out, c.UpdateContact)[0]["target"] == "etat-civil"
    assert call.session.stage is Stage.ANNOUNCE
    assert of(c.ToQueue, call.prompt_done()) == [c.ToQueue("etat-civil")]


def test_back_to_the_main_menu_after_the_last_words() -> None:
    call = in_stub()
    out = call.digit("2")
    assert said(out) == "Dernier mot 2." and call.session.stage is Stage.DIALOGUE
    out = call.prompt_done()
    assert call.session.stage is Stage.MENU
    assert said(out) == RULES.menus[RULES.main_menu].spoken_text()


def test_finish_hangs_up_with_its_outcome_once_heard() -> None:
    call = in_stub()
    out = call.digit("3")
    assert not of(c.Hangup, out)
    out = call.prompt_done()
    assert records(out, c.FinishContact) == [{"outcome": "info"}]
    assert of(c.Hangup, out) == [c.Hangup("self_service")] and call.session.stage is Stage.DONE


def test_a_fallback_goes_to_a_person() -> None:
    call = in_stub()
    out = call.digit("4")
    assert records(out, c.UpdateContact)[0]["target"] == RULES.input.fallback_target


def test_a_hang_up_in_a_dialogue_names_it() -> None:
    call = in_stub()
    out = call.send(e.HungUp)
    assert records(out, c.FinishContact)[0]["hangup_stage"] == "dialogue:stub"


def test_a_question_is_asked_and_its_answer_goes_to_the_dialogue() -> None:
    call = in_stub()
    out = call.digit("9")
    ask = of(c.Ask, out)[0]
    assert ask.query == Lookup("9") and said(out) == "Un instant."
    assert not of(c.StartTimer, call.prompt_done())  # no listening while the answer comes
    assert call.digit("1") == []  # a key typed ahead waits for the answer's step
    stale = call.send(e.Answered, ask.token - 1, "ancienne")
    assert stale == []
    out = call.send(e.Answered, ask.token, "42")
    assert said(out) == "Réponse 42."
    assert of(c.StartTimer, call.prompt_done())[0].seconds == 4.0
    assert records(call.digit("1"), c.UpdateContact)[0]["target"] == "etat-civil"


def test_an_unavailable_answer_leads_to_a_person() -> None:
    call = in_stub()
    ask = of(c.Ask, call.digit("9"))[0]
    out = call.send(e.Answered, ask.token, Unavailable("store"))
    assert said(out).startswith("Service indisponible.")
    assert records(out, c.UpdateContact)[0]["target"] == RULES.input.fallback_target


def test_a_menu_action_opens_the_dialogue_registered_for_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[Opening] = []

    def open_stub(opening: Opening) -> Stub:
        opened.append(opening)
        return Stub()

    monkeypatch.setitem(DIALOGUES, "hours", open_stub)  # any action of the shipped rules
    call = Call()
    call.start()
    key = next(k for k, o in RULES.menus[RULES.main_menu].options.items() if o.action == "hours")
    out = call.digit(key)
    assert call.session.stage is Stage.DIALOGUE and said(out) == "Question ?"
    assert opened[0].option is not None and opened[0].option.action == "hours"
    assert (opened[0].call_id, opened[0].caller) == ("call-1", "0612345678")


def test_the_caller_is_recorded_once_the_prompt_is_heard() -> None:
    call = in_stub()
    out = call.digit("8")
    assert said(out) == "Après le bip, parlez." and not of(c.RecordVoice, out)
    out = call.prompt_done()
    record = of(c.RecordVoice, out)[0]
    assert (record.max_seconds, record.silence_seconds) == (30, 2)
    assert call.digit("#") == []  # the key that ends the recording is Asterisk's
    assert call.send(e.VoiceRecorded, record.token - 1, "old", 1.0) == []
    out = call.send(e.VoiceRecorded, record.token, "call-1_7", 4.5)
    assert said(out) == "Enregistré call-1_7 4.5."
