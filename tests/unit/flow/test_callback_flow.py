"""Callbacks offered inside the call: closed department, menu key, speech, queue key.

The caller ID is read back in digit pairs; keyed numbers are checked like the
scheduler will dial them; the promised window comes from the opening hours.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from ivr.domain.intent import IntentMatcher
from ivr.domain.prompt_texts import Prompt
from ivr.flow import commands as c
from ivr.flow import events as e
from ivr.flow.session import CallSession, Stage
from ivr.rules import load_rules
from tests.fixtures.flow import PARIS, RULES, RULES_FILE, SUNDAY_10H, TUESDAY_10H, Call, of, records

MONDAY_0830 = datetime(2026, 12, 7, 8, 30, tzinfo=PARIS)


def heard(commands: list[c.Command]) -> str:
    """Texts and catalogue prompt ids (``<id>``) the caller hears, in order."""
    return " ".join(getattr(item, "text", None) or f"<{item.id}>"
                    for play in of(c.Play, commands) for item in play.items)


def closed_offer(caller: str | None = "0612345678") -> Call:
    """A Sunday call to the état civil (closed), up to the 1/2 callback question."""
    call = Call(at=SUNDAY_10H)
    call.session.handle(e.CallStarted(call.at, caller, "3000", "ref-1"))
    call.digit("1")
    call.digit("1")
    out = call.prompt_done()
    assert "Pour être rappelé dès la réouverture, tapez 1." in heard(out)
    assert call.session.stage is Stage.DIALOGUE
    return call


def test_closed_department_callback_reads_the_number_in_pairs_then_promises_the_opening(
) -> None:
    call = closed_offer()
    out = call.digit("1")
    assert "<callback-confirm-number> zéro six, douze, trente-quatre, cinquante-six, " \
           "soixante-dix-huit" in heard(out)
    call.prompt_done()
    out = call.digit("1")
    request = of(c.RequestCallback, out)[0]
    assert (request.target, request.number) == ("etat-civil", "+33612345678")
    assert request.due_at == MONDAY_0830
    assert request.promised_before == datetime(2026, 12, 7, 10, 30, tzinfo=PARIS)
    assert request.max_attempts == RULES.callbacks.max_attempts
    assert "C'est noté. Nous vous rappellerons dès la réouverture, demain à 8 h 30." in heard(out)
    assert not of(c.Hangup, out)  # the promise is heard to its end first
    done = call.prompt_done()
    assert records(done, c.FinishContact) == [{"outcome": "callback_requested"}]
    assert of(c.Hangup, done) and call.session.stage is Stage.DONE


def test_declining_or_silence_keeps_the_usual_closed_path() -> None:
    call = closed_offer()
    call.prompt_done()
    done = call.timer()
    assert of(c.ToVoicemail, done) == [c.ToVoicemail("etat-civil")]
    assert not of(c.RequestCallback, done)


def test_hidden_caller_keys_a_number_invalid_ones_are_refused_with_a_reason() -> None:
    call = closed_offer(caller="anonymous")
    out = call.digit("1")
    assert heard(out) == "<callback-enter-number>"
    for d in "0899123456":  # premium rate: the town will not call it
        out = call.digit(d)
    assert heard(out) == "<callback-invalid-number> <callback-enter-number>"
    assert records(out, c.ContactEvent)[0] == {"kind": "callback_number_keyed",
                                               "target": "etat-civil", "ok": False,
                                               "reason": "premium"}
    for d in "0123#":  # too short, ended by the pound key
        out = call.digit(d)
    assert "<callback-invalid-number>" in heard(out)
    for d in "0698765432":
        out = call.digit(d)
    assert "zéro six, quatre-vingt-dix-huit" in heard(out)  # read back before it is accepted
    out = call.digit("1")
    assert of(c.RequestCallback, out)[0].number == "+33698765432"


def test_two_keys_another_number_and_digits_restart_the_timer() -> None:
    call = closed_offer()
    call.digit("1")
    assert heard(call.digit("2")) == "<callback-enter-number>"
    out = call.digit("0")
    assert of(c.StartTimer, out) and not of(c.Play, out)
    call.timer()  # a pause after one digit: checked as keyed (too short), asked again
    assert call.session.stage is Stage.DIALOGUE


def test_too_many_invalid_numbers_give_up_to_the_closed_path() -> None:
    call = closed_offer(caller=None)
    call.digit("1")
    out: list[c.Command] = []
    for _ in range(RULES.input.retries + 1):
        out = call.digit("9")
        out = call.digit("#")
    assert of(c.ToVoicemail, out) and not of(c.RequestCallback, out)


def test_queue_key_re_entry_offers_a_callback_to_that_department() -> None:
    session = CallSession("call-1", RULES)
    out = session.handle(e.CallStarted(TUESDAY_10H, "0612345678", "3000",
                                       callback_for="etat-civil"))
    assert not records(out, c.StartContact)  # same contact, it continues
    assert records(out, c.ContactEvent)[0] == {"kind": "callback_from_queue", "queue": "etat-civil"}
    assert Prompt("callback-confirm-number") in of(c.Play, out)[0].items
    out = session.handle(e.Dtmf(TUESDAY_10H, "1"))
    request = of(c.RequestCallback, out)[0]
    assert request.due_at == TUESDAY_10H  # open: due now, promised within two hours
    assert request.promised_before == datetime(2026, 12, 1, 12, 0, tzinfo=PARIS)
    assert "aujourd'hui avant 12 h" in heard(out)


def test_speech_call_me_back_offers_a_callback_to_the_fallback_department() -> None:
    session = CallSession("call-1", RULES, matcher=IntentMatcher.from_rules(RULES))
    session.handle(e.CallStarted(TUESDAY_10H, "0612345678", "3000"))
    out = session.handle(e.SpeechFinal(TUESDAY_10H, "rappelez-moi s'il vous plaît"))
    assert session.stage is Stage.DIALOGUE and of(c.StopSpeech, out)
    assert records(out, c.UpdateContact)[-1]["target"] == "accueil"


@pytest.fixture
def menu_rules(tmp_path: Path):
    yaml = YAML()
    data = yaml.load(RULES_FILE.read_text())
    data["menus"]["principal"]["options"]["7"] = {"label": "être rappelé", "action": "callback"}
    path = tmp_path / "rules.yaml"
    with path.open("w") as out:
        yaml.dump(data, out)
    return load_rules(path)


def test_menu_callback_action_then_giving_up_reaches_a_person(menu_rules) -> None:
    session = CallSession("call-1", menu_rules)
    session.handle(e.CallStarted(TUESDAY_10H, "0612345678", "3000"))
    session.handle(e.Dtmf(TUESDAY_10H, "7"))
    assert session.stage is Stage.DIALOGUE
    out: list[c.Command] = []
    for _ in range(menu_rules.input.retries + 1):
        out = session.handle(e.Dtmf(TUESDAY_10H, "5"))  # neither 1 nor 2
    assert records(out, c.UpdateContact)[-1]["target"] == "accueil"
    assert session.stage is Stage.ANNOUNCE
