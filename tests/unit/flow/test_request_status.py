"""The status of a request as a pure state machine: keys and answers in, replies out."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from ivr.domain.intent import IntentMatcher
from ivr.domain.outcomes import ContactOutcome
from ivr.domain.prompt_texts import Prompt, Text
from ivr.flow import commands as c
from ivr.flow import events as e
from ivr.flow.dialogue import Fallback, Finish, Reply, Transfer
from ivr.flow.queries import Unavailable
from ivr.flow.request_queries import (
    AddressOnFile,
    FindRequest,
    OpenRequest,
    OpenRequests,
    OpenRequestsOf,
    PostalAddressOf,
    Refused,
    RequestFound,
    RequestState,
    SendStatusSms,
    SmsQueued,
    VerifyCaller,
)
from ivr.flow.request_status import SMS_OFFER, RequestStatusDialogue, Step
from ivr.flow.session import Stage
from ivr.requests.spoken import as_sentence
from tests.fixtures.flow import SUNDAY_10H, Call, of, records, said
from tests.fixtures.requests import PARIS, RULES, T0

REF = "1234567897"  # its Luhn digit is right


def spoken(reply: Reply) -> str:
    return " ".join(i.text if isinstance(i, Text) else f"<{i.id}>" for i in reply.say)


def key(d: RequestStatusDialogue, digits: str) -> Reply:
    reply = Reply()
    for digit in digits:
        reply = d.digit(digit, T0)
    return reply


def dialogue(caller: str | None = None) -> tuple[RequestStatusDialogue, Reply]:
    d = RequestStatusDialogue(RULES, "call-1", caller)
    return d, d.start(T0)


def state(status: str = "disponible", type_id: str = "carte-identite") -> RequestState:
    since = datetime(2026, 12, 3, 9, tzinfo=PARIS)
    return RequestState(REF, type_id, status, since, since + timedelta(days=30), False)


def test_a_hidden_number_is_asked_the_reference_at_once() -> None:
    _, first = dialogue("anonymous")
    assert first.ask is None and Prompt("status-enter-reference") in first.say


def test_reference_then_birth_date_then_the_status_with_its_date() -> None:
    d, _ = dialogue()
    assert key(d, "12345").listen and not key(d, "6789").ask  # nine digits: still keying
    found = d.digit("7", T0)  # the tenth digit ends it
    assert isinstance(found.ask, FindRequest) and found.ask.reference == REF
    ask_date = d.answered(RequestFound(REF, "carte-identite"), T0)
    assert Prompt("status-enter-birth-date") in ask_date.say
    verify = key(d, "14071990")
    assert isinstance(verify.ask, VerifyCaller)
    assert verify.ask.birth_date == date(1990, 7, 14) and verify.ask.verification == \
        "date_naissance"
    told = d.answered(state(), T0)
    text = spoken(told)
    assert "carte nationale d'identité, mise à jour le jeudi 3 décembre" in text
    assert "disponible à la mairie" in text and "<status-after>" in text
    assert c.UpdateContact(at=T0, request_ref=REF, outcome=ContactOutcome.SELF_SERVICE) \
        in told.commands
    assert any(isinstance(cmd, c.ContactEvent) and cmd.kind == "request_status_told"
               and cmd.data["status"] == "disponible" for cmd in told.commands)
    assert spoken(d.digit("1", T0)).startswith("Votre demande")  # hear it again
    end = d.timeout(T0)
    assert end.end == Finish(ContactOutcome.SELF_SERVICE, "self_service")


def test_star_starts_again_and_a_wrong_check_digit_is_caught_at_once() -> None:
    d, _ = dialogue()
    key(d, "99*")
    assert d.digits == ""
    wrong = key(d, "1234567890")
    assert wrong.ask is None and Prompt("status-invalid-reference") in wrong.say
    assert d.failures == 1 and d.step == Step.REFERENCE


def test_too_few_digits_then_silence_is_a_failure_nothing_is_a_failure_too() -> None:
    d, _ = dialogue()
    key(d, "123")
    assert Prompt("status-invalid-reference") in d.timeout(T0).say
    assert Prompt("no-input") in d.timeout(T0).say
    assert d.failures == 2


def test_three_failures_put_the_caller_through_to_a_person() -> None:
    d, _ = dialogue()
    key(d, REF)
    d.answered(RequestFound(REF, "carte-identite"), T0)
    assert Prompt("status-invalid-date") in key(d, "31021990").say  # no 31 February
    assert d.step == Step.CHECK
    key(d, "01011990")
    again = d.answered(Refused("mismatch"), T0)
    assert again.say == (Prompt("status-mismatch"), Prompt("status-enter-birth-date"))
    assert d.step == Step.CHECK
    key(d, "02011990")
    last = d.answered(Refused("mismatch"), T0)
    assert last.end == Fallback("too_many_failures")


def test_a_locked_reference_or_a_blocked_number_goes_to_a_person_at_once() -> None:
    for why, prompt in (("locked", "status-locked"),
                        ("caller_blocked", "status-too-many-failures")):
        d, _ = dialogue()
        key(d, REF)
        reply = d.answered(Refused(why), T0)
        assert reply.end == Fallback(why) and Prompt(prompt) in reply.say


def test_the_store_away_tells_the_caller_and_puts_them_through() -> None:
    d, _ = dialogue()
    key(d, REF)
    reply = d.answered(Unavailable("store"), T0)
    assert reply.end == Fallback("store_unavailable")
    assert Prompt("service-unavailable") in reply.say


def test_a_known_caller_is_offered_their_open_request_behind_the_check() -> None:
    d, first = dialogue("+33612345678")
    assert first.ask == OpenRequestsOf("+33612345678")
    offer = d.answered(OpenRequests((OpenRequest(REF, "passeport"),)), T0)
    assert "Vous avez une demande de passeport en cours : tapez 1" in spoken(offer)
    assert Prompt("status-enter-birth-date") in d.digit("1", T0).say
    verify = key(d, "14071990")
    assert isinstance(verify.ask, VerifyCaller) and verify.ask.reference == REF


def test_a_known_caller_may_key_another_reference() -> None:
    d, _ = dialogue("+33612345678")
    d.answered(OpenRequests((OpenRequest(REF, "passeport"),)), T0)
    assert Prompt("status-enter-reference") in d.digit("9", T0).say


def test_a_pin_ends_with_the_pound_key_and_goes_to_the_store_unseen() -> None:
    rules_pin = RULES.model_copy(update={"request_types": {
        **RULES.request_types,
        "passeport": RULES.request_types["passeport"].model_copy(
            update={"verification": "pin"})}})
    d = RequestStatusDialogue(rules_pin, "call-1", None)
    d.start(T0)
    key(d, REF)
    assert Prompt("status-enter-pin") in d.answered(RequestFound(REF, "passeport"), T0).say
    verify = key(d, "4321#")
    assert isinstance(verify.ask, VerifyCaller) and verify.ask.pin == "4321"
    assert all("4321" not in repr(cmd) for cmd in verify.commands)


def test_the_department_is_one_key_away_after_the_status() -> None:
    d, _ = dialogue()
    key(d, REF)
    d.answered(RequestFound(REF, "acte-naissance"), T0)
    key(d, "14071990")
    d.answered(state("en-traitement", "acte-naissance"), T0)
    assert d.digit("2", T0).end == Transfer("etat-civil")


def test_the_shipped_main_menu_opens_it_and_a_hang_up_after_the_status_is_self_service(
        ) -> None:
    call = Call(rules=RULES)
    call.start()
    session = call.session
    opened = call.digit("2")
    assert [a.query for a in of(c.Ask, opened)] == [OpenRequestsOf("0612345678")]
    assert all(play.items for play in of(c.Play, opened))  # Asterisk refuses an empty play
    assert c.CancelTimer() in opened
    assert call.send(e.PlaybackDone, session.token - 1) == []  # the menu's prompt, stopped
    assert call.prompt_done() == []  # no timer for the question out
    out = call.send(e.Answered, session.asked, OpenRequests(()))
    assert "status-enter-reference" in repr(out)
    for d in REF:
        call.digit(d)
    found = call.send(e.Answered, session.asked, RequestFound(REF, "carte-identite"))
    assert "status-enter-birth-date" in repr(found)
    for d in "14071990":
        call.digit(d)
    told = call.send(e.Answered, session.asked, state())
    assert "disponible à la mairie" in said(told)
    hung = records(call.send(e.HungUp), c.FinishContact)
    assert hung == [{"outcome": ContactOutcome.SELF_SERVICE,
                     "hangup_stage": "dialogue:request_status", "menu_path": "2"}]


def test_silence_on_the_shipped_main_menu_reaches_a_person() -> None:
    call = Call(rules=RULES)
    call.start()
    call.prompt_done()
    out = call.timer()
    assert records(out, c.ContactEvent)[0] == {"kind": "stayed_on_line", "menu": "principal"}
    assert {"target": "accueil", "routed_by": "default", "menu_path": ""} in \
        records(out, c.UpdateContact)


def test_said_where_a_model_is_present_the_intent_opens_the_dialogue() -> None:
    call = Call(rules=RULES, matcher=IntentMatcher.from_rules(RULES))
    call.start()
    out = call.send(e.SpeechFinal, "où en est ma demande")
    assert [a.query for a in of(c.Ask, out)] == [OpenRequestsOf("0612345678")]
    assert c.StopSpeech() in out and call.session.stage == Stage.DIALOGUE
    acte = Call(rules=RULES, matcher=IntentMatcher.from_rules(RULES))
    acte.start()
    opened = acte.send(e.SpeechFinal, "je voudrais recevoir un acte par courrier")
    assert acte.session.dialogue is not None and acte.session.dialogue.name == "document_request"
    [ask] = of(c.Ask, opened)  # the caller's address on file is looked up first
    assert ask.query == PostalAddressOf("+33612345678")
    asked = acte.send(e.Answered, ask.token, AddressOnFile(False))
    assert [p.items for p in of(c.Play, asked)] == [(Prompt("document-choose-act"),)]


def test_the_hours_of_one_department_are_answered_by_speech() -> None:
    call = Call(at=SUNDAY_10H, rules=RULES, matcher=IntentMatcher.from_rules(RULES))
    call.start()
    out = call.send(e.SpeechFinal, "à quelle heure ouvre l'urbanisme demain")
    heard = said(out)
    assert heard.startswith("Horaires d'ouverture du service de l'urbanisme"), heard
    assert "Le service de l'urbanisme ouvrira demain à 8 heures 30" in heard
    assert call.session.stage == Stage.MENU
    assert records(out, c.ContactEvent)[0]["target"] == "horaires"


def told_to(caller: str) -> tuple[RequestStatusDialogue, Reply]:
    """A dialogue with ``caller`` that just told the status of the keyed reference."""
    d = RequestStatusDialogue(RULES, "call-1", caller)
    d.answered(OpenRequests(()), T0)
    key(d, REF)
    d.answered(RequestFound(REF, "carte-identite"), T0)
    key(d, "14071990")
    return d, d.answered(state(), T0)


def test_a_mobile_caller_may_have_the_status_by_sms_once_with_consent() -> None:
    d, told = told_to("0612345678")
    assert Text(SMS_OFFER) in told.say
    sms = d.digit("3", T0)
    assert isinstance(sms.ask, SendStatusSms)
    assert (sms.ask.number, sms.ask.reference, sms.ask.key) == ("+33612345678", REF, "3")
    assert sms.ask.wording == SMS_OFFER  # the sentence the key answered: the proof
    assert sms.ask.told == as_sentence(d.told)
    assert sms.ask.told.startswith("Votre demande de carte nationale d'identité, mise à jour")
    sent = d.answered(SmsQueued(), T0)
    assert Prompt("status-sms-sent") in sent.say and Text(SMS_OFFER) not in sent.say
    assert any(isinstance(cmd, c.ContactEvent) and cmd.kind == "request_status_sms"
               for cmd in sent.commands)
    again = d.digit("3", T0)  # once per call
    assert again.ask is None and Prompt("invalid") in again.say
    assert d.timeout(T0).end == Finish(ContactOutcome.SELF_SERVICE, "self_service")


@pytest.mark.parametrize("caller", ["0145678901", "anonymous", "+447700900123"])
def test_no_sms_offer_to_a_line_that_cannot_receive_it(caller: str) -> None:
    d, told = told_to(caller)
    assert Text(SMS_OFFER) not in told.say and Prompt("status-after") in told.say
    assert d.digit("3", T0).ask is None


def test_the_store_away_when_sending_the_sms_puts_the_caller_through() -> None:
    d, _ = told_to("0612345678")
    d.digit("3", T0)
    assert isinstance(d.answered(Unavailable("store"), T0).end, Fallback)


def test_a_request_with_nothing_to_prove_goes_to_a_person_without_asking() -> None:
    d, _ = dialogue()
    key(d, REF)
    reply = d.answered(RequestFound(REF, "acte-naissance", has_birth_date=False), T0)
    assert reply.say == (Prompt("status-not-checkable"),)
    assert reply.end == Fallback("not_checkable") and d.failures == 0


def test_keys_typed_before_the_answer_count_for_the_step_it_leads_to() -> None:
    d, _ = dialogue()
    key(d, REF)  # FindRequest is out; the caller goes on with their birth date
    assert key(d, "1407").ask is None
    partial = d.answered(RequestFound(REF, "carte-identite"), T0)
    assert partial.say == () and partial.listen  # no question over a caller who is keying
    verify = key(d, "1990")
    assert isinstance(verify.ask, VerifyCaller) and verify.ask.birth_date == date(1990, 7, 14)
    assert key(d, "12").ask is None  # keyed while VerifyCaller is out: the status step
    assert Prompt("status-after") in d.answered(state(), T0).say  # drops them


def test_the_session_passes_keys_typed_ahead_of_the_reference_answer() -> None:
    call = Call(rules=RULES)
    call.start()
    session = call.session
    call.digit("2")
    call.send(e.Answered, session.asked, OpenRequests(()))
    for d in REF + "14071990":  # all at once, before the reference was checked
        call.digit(d)
    out = call.send(e.Answered, session.asked, RequestFound(REF, "carte-identite"))
    [ask] = of(c.Ask, out)
    assert isinstance(ask.query, VerifyCaller) and ask.query.birth_date == date(1990, 7, 14)
