"""The speech step of the call flow, with the real intent matcher, keypad as safety net."""

from __future__ import annotations

from datetime import datetime

from ivr.domain.intent import IntentMatcher, TargetVocabulary
from ivr.flow import commands as c
from ivr.flow import events as e
from ivr.flow.grammar import phrases
from ivr.flow.session import Stage
from ivr.rules import Rules, load_rules
from tests.fixtures.flow import PARIS, RULES, Call, of, records, said
from tests.fixtures.rules import DEFAULT_RULES

WEDNESDAY_10H = datetime(2026, 12, 2, 10, 0, tzinfo=PARIS)


def speech_call(matcher: IntentMatcher | None = None, rules: Rules = RULES) -> Call:
    call = Call(at=WEDNESDAY_10H, matcher=matcher or IntentMatcher.from_rules(rules),
                rules=rules)
    out = call.start()
    assert of(c.StartSpeech, out) and "Dites l'objet de votre appel." in said(out)
    assert call.session.stage is Stage.SPEECH
    return call


def test_clear_request_is_routed_by_speech_with_its_transcript() -> None:
    call = speech_call()
    out = call.send(e.SpeechFinal, "je voudrais inscrire ma fille à la cantine")
    update = records(out, c.UpdateContact)
    assert update[0]["transcript"] == "je voudrais inscrire ma fille à la cantine"
    assert update[1] == {"target": "scolaire", "routed_by": "speech", "menu_path": ""}
    assert records(out, c.ContactEvent)[0]["matched"]  # explainable: the terms that decided
    assert of(c.ToQueue, call.prompt_done()) == [c.ToQueue("scolaire")]


def test_speaking_over_the_prompt_stops_it() -> None:
    call = speech_call()
    assert of(c.StopPlayback, call.send(e.SpeechHeard))


def test_a_key_during_speech_switches_to_the_keypad_menu() -> None:
    call = speech_call()
    out = call.digit("2")
    assert of(c.StopSpeech, out) and call.session.stage is Stage.ANNOUNCE
    assert records(out, c.UpdateContact)[0]["routed_by"] == "dtmf"


def test_two_misunderstandings_lead_to_the_keypad_menu() -> None:
    call = speech_call()
    first = call.send(e.SpeechFinal, "blablabla")
    assert "Je n'ai pas compris." in said(first) and call.session.stage is Stage.SPEECH
    second = call.send(e.SpeechFinal, "")
    assert of(c.StopSpeech, second) and call.session.stage is Stage.MENU
    assert "Menu principal." in said(second)


def test_silence_after_the_invitation_leads_to_the_menu() -> None:
    call = speech_call()
    call.prompt_done()
    out = call.timer()
    assert call.session.stage is Stage.MENU and "Menu principal." in said(out)


def confirming_call(rules: Rules = RULES) -> tuple[Call, list[c.Command]]:
    """A matcher that never routes outright, so every match is confirmed first."""
    vocab = {t: TargetVocabulary(tuple(d.speech.keywords), tuple(d.speech.examples))
             for t, d in rules.departments.items()}
    call = speech_call(IntentMatcher(vocab, route_threshold=1.01, confirm_threshold=0.1), rules)
    out = call.send(e.SpeechFinal, "c'est pour la cantine")
    assert call.session.stage is Stage.CONFIRM
    assert "Vous souhaitez joindre le service scolaire, c'est bien ça ?" in said(out)
    return call, out


def _rules(mode: str) -> Rules:
    return RULES.model_copy(update={"speech": RULES.speech.model_copy(update={"mode": mode})})


def test_the_session_says_which_phrases_it_expects() -> None:
    """Free speech: no phrase list; grammar mode: the departments' keywords, then the
    yes/no words too once the session asks for a confirmation."""
    _, out = confirming_call(_rules("free"))
    assert of(c.StartSpeech, out) == [c.StartSpeech(None)]
    keywords = {kw for d in RULES.departments.values() for kw in d.speech.keywords}
    call = speech_call(rules=_rules("grammar"))
    assert call.session.stage is Stage.SPEECH
    _, out = confirming_call(_rules("grammar"))
    (asked,) = of(c.StartSpeech, out)
    assert asked.phrases is not None and {"oui", "non"} <= set(asked.phrases)
    assert set(asked.phrases) - keywords and "oui" not in keywords
    first = Call(at=WEDNESDAY_10H, matcher=IntentMatcher.from_rules(RULES), rules=_rules("grammar"))
    (listen,) = of(c.StartSpeech, first.start())
    assert listen.phrases is not None and set(listen.phrases) == keywords


def test_grammar_mode_lets_the_recogniser_hear_the_intents_cues() -> None:
    """Unheard, « est-elle prête » could not make « carte d'identité » a status question."""
    shipped = load_rules(DEFAULT_RULES)
    grammar = shipped.model_copy(
        update={"speech": shipped.speech.model_copy(update={"mode": "grammar"})})
    heard = set(phrases(grammar, "intent") or ())
    assert {"est prête", "où en est", "où en est ma demande", "carte d'identité"} <= heard


def test_confirmation_yes_by_key_routes() -> None:
    call, _ = confirming_call()
    out = call.digit("1")
    assert records(out, c.UpdateContact)[0]["target"] == "scolaire"


def test_confirmation_yes_by_voice_routes() -> None:
    call, _ = confirming_call()
    out = call.send(e.SpeechFinal, "oui c'est ça")
    assert records(out, c.UpdateContact)[0]["routed_by"] == "speech"


def test_confirmation_no_goes_to_the_menu() -> None:
    call, _ = confirming_call()
    out = call.digit("2")
    assert call.session.stage is Stage.MENU and not records(out, c.UpdateContact)
