"""Launching a flood alert by telephone: PIN, message chosen or recorded, heard back,
confirmed; three wrong PINs hang up; a second campaign needs confirming."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from ivr.domain.outcomes import ContactOutcome
from ivr.domain.prompt_texts import Prompt, Recording, Text
from ivr.flow import alert_launch
from ivr.flow import commands as c
from ivr.flow import events as e
from ivr.flow.alert_launch import (
    AlertLaunchDialogue,
    AlertLaunched,
    AlertRefused,
    CheckCrisisPin,
    LaunchAlert,
    PinChecked,
    PreparedMessage,
)
from ivr.flow.dialogue import Finish, Reply
from ivr.flow.queries import Unavailable
from ivr.prompts import DEFAULT_CATALOGUE, load_catalogue
from ivr.rules.schema import CrisisLine
from tests.fixtures.flow import RULES, TUESDAY_10H, Call, of

AT = TUESDAY_10H
FLOOD = PreparedMessage(7, "Crue de la Garonne", "La Garonne monte : montez à l'étage.")


def heard(reply: Reply) -> list[str]:
    return [i.text if isinstance(i, Text) else f"<{getattr(i, 'id', None) or i.name}>"
            for i in reply.say]


def key_in(dialogue: AlertLaunchDialogue, keys: str, at: datetime = AT) -> Reply:
    reply = Reply()
    for key in keys:
        reply = dialogue.digit(key, at)
    return reply


def pin_ok(prepared: tuple[PreparedMessage, ...] = (FLOOD,)) -> AlertLaunchDialogue:
    dialogue = AlertLaunchDialogue("call-1", "+33612345678")
    dialogue.start(AT)
    key_in(dialogue, "4711#")
    dialogue.answered(PinChecked(True, prepared), AT)
    return dialogue


def test_pin_is_asked_then_checked_by_the_store_and_never_recorded() -> None:
    dialogue = AlertLaunchDialogue("call-1", "+33612345678")
    assert heard(dialogue.start(AT)) == ["<alert-launch-pin>"]
    assert key_in(dialogue, "4711").ask is None
    reply = dialogue.digit("#", AT)
    assert reply.ask == CheckCrisisPin("call-1", "+33612345678", "4711", 1, AT)
    assert "4711" not in repr(reply.ask) and "4711" not in repr(dialogue)
    told = dialogue.answered(PinChecked(True, (FLOOD,)), AT)
    assert heard(told) == ["Pour le message préparé « Crue de la Garonne », tapez 1.",
                           "<alert-launch-record-key>"]
    assert all("4711" not in repr(cmd) for cmd in told.commands)


def test_a_pin_keyed_without_hash_is_checked_at_the_silence() -> None:
    dialogue = AlertLaunchDialogue("call-1", None)
    dialogue.start(AT)
    key_in(dialogue, "12")
    assert isinstance(dialogue.timeout(AT).ask, CheckCrisisPin)


def test_three_wrong_pins_hang_up() -> None:
    dialogue = AlertLaunchDialogue("call-1", "+33612345678")
    dialogue.start(AT)
    for attempt in (1, 2):
        reply = key_in(dialogue, "0000#")
        assert isinstance(reply.ask, CheckCrisisPin) and reply.ask.attempt == attempt
        again = dialogue.answered(PinChecked(False), AT)
        assert heard(again) == ["<alert-launch-pin-wrong>", "<alert-launch-pin>"]
        assert again.end is None
    key_in(dialogue, "0000#")
    last = dialogue.answered(PinChecked(False), AT)
    assert last.end == Finish(ContactOutcome.INFO, "alert_pin_refused")
    assert heard(last) == ["<alert-launch-pin-refused>"]


def test_a_locked_line_hangs_up_at_once() -> None:
    dialogue = AlertLaunchDialogue("call-1", None)
    dialogue.start(AT)
    key_in(dialogue, "4711#")
    assert isinstance(dialogue.answered(PinChecked(False, locked=True), AT).end, Finish)


def test_prepared_message_heard_back_then_launched_for_real() -> None:
    dialogue = pin_ok()
    review = dialogue.digit("1", AT)
    assert heard(review) == ["<alert-launch-review>", FLOOD.text, "<alert-launch-confirm>"]
    assert heard(dialogue.digit("*", AT)) == heard(review)  # heard again
    launch = dialogue.digit("1", AT)
    assert launch.ask == LaunchAlert("call-1", "+33612345678", 7, None, False, False, AT)
    done = dialogue.answered(AlertLaunched(7, 1200, False), AT)
    assert heard(done)[0] == "Alerte lancée : campagne numéro 7, 1200 personnes à appeler."
    assert heard(done)[1] == "<alert-launch-follow>"
    assert done.end == Finish(ContactOutcome.INFO, "alert_launched")


def test_recorded_message_heard_back_and_launched_as_a_test() -> None:
    dialogue = AlertLaunchDialogue("call-2", None)
    dialogue.start(AT)
    key_in(dialogue, "4711#")
    record = dialogue.answered(PinChecked(True, ()), AT)  # nothing prepared: record at once
    assert record.record is not None and heard(record) == ["<alert-launch-record>"]
    again = dialogue.recorded(None, 0.0, AT)
    assert heard(again) == ["<alert-launch-nothing-heard>", "<alert-launch-record>"]
    review = dialogue.recorded("call-2_ab_4", 12.5, AT)
    assert Recording("call-2_ab_4") in review.say
    launch = dialogue.digit("3", AT)
    assert launch.ask == LaunchAlert("call-2", None, None, "call-2_ab_4", True, False, AT)
    assert heard(dialogue.answered(AlertLaunched(8, 3, True), AT))[0].startswith("Essai lancé")


def test_two_silent_recordings_end_without_launching() -> None:
    dialogue = pin_ok(prepared=())
    dialogue.recorded("x_1", 0.2, AT)
    reply = dialogue.recorded(None, 0.0, AT)
    assert reply.end == Finish(ContactOutcome.INFO, "alert_recording_empty")
    assert heard(reply) == ["<alert-launch-goodbye>"]


def test_second_campaign_refused_unless_confirmed() -> None:
    dialogue = pin_ok()
    key_in(dialogue, "11")
    refused = dialogue.answered(AlertRefused("running", "Crue de la Loire"), AT)
    assert heard(refused) == ["Une alerte est déjà en cours : Crue de la Loire.",
                              "<alert-launch-second>"]
    confirm = dialogue.digit("1", AT)
    assert isinstance(confirm.ask, LaunchAlert) and confirm.ask.confirm_second
    other = pin_ok()
    key_in(other, "11")
    other.answered(AlertRefused("running", None), AT)
    assert other.digit("2", AT).end == Finish(ContactOutcome.INFO, "alert_second_declined")


def test_change_of_message_unknown_key_and_store_away() -> None:
    dialogue = pin_ok()
    assert heard(dialogue.digit("5", AT))[0].startswith("Pour le message préparé")
    dialogue.digit("1", AT)
    assert heard(dialogue.digit("2", AT))[-1] == "<alert-launch-record-key>"
    assert dialogue.digit("9", AT).record is not None
    gone = pin_ok()
    key_in(gone, "11")
    assert heard(gone.answered(AlertRefused("gone"), AT))[0] == "<alert-launch-gone>"
    refused = pin_ok()
    key_in(refused, "11")
    said = heard(refused.answered(AlertRefused("refused", message="Personne à appeler."), AT))
    assert said == ["Personne à appeler.", "<alert-launch-goodbye>"]
    away = pin_ok()
    key_in(away, "11")
    assert away.answered(Unavailable("store"), AT).end == Finish(ContactOutcome.INFO,
                                                                  "alert_unavailable")


def test_silences_repeat_the_question_twice_then_hang_up() -> None:
    dialogue = pin_ok()
    assert heard(dialogue.timeout(AT))[0].startswith("Pour le message préparé")
    dialogue.timeout(AT)
    assert isinstance(dialogue.timeout(AT).end, Finish)


def test_every_prompt_of_the_dialogue_is_in_the_catalogue() -> None:
    catalogue = load_catalogue(DEFAULT_CATALOGUE)
    source = Path(alert_launch.__file__).read_text(encoding="utf-8")
    used = {part.split('"')[0] for part in source.split('Prompt("')[1:]}
    assert used and used <= set(catalogue)


def test_the_crisis_line_number_opens_the_dialogue_in_a_call() -> None:
    rules = RULES.model_copy(update={"crisis_line": CrisisLine(numbers=("3000",))})
    call = Call(rules=rules)
    started = call.start()  # called "3000"
    assert of(c.Answer, started) and call.session.stage == "dialogue"
    [play] = of(c.Play, started)
    assert play.items == (Prompt("alert-launch-pin"),)
    call.prompt_done()
    for key in "4711#":
        out = call.digit(key)
    [ask] = of(c.Ask, out)
    assert isinstance(ask.query, CheckCrisisPin)
    out = call.send(e.Answered, ask.token, PinChecked(False, locked=True))
    call.prompt_done()
    assert call.session.stage == "done"


def test_other_numbers_still_reach_the_main_menu() -> None:
    call = Call()
    call.start()
    assert call.session.stage in ("menu", "speech")
