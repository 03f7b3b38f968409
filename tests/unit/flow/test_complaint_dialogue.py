"""The phone complaint and suggestion: record, file (or « message vide »), reference read,
callback promised through the callback offer; the store away puts the caller through."""

from __future__ import annotations

from datetime import datetime

from ivr.domain.outcomes import ContactOutcome
from ivr.domain.prompt_texts import Prompt, Text
from ivr.flow import commands as c
from ivr.flow import events as e
from ivr.flow.complaint import FiledRequest, FileVoiceRequest, VoiceRequestDialogue
from ivr.flow.dialogue import Fallback, Finish
from ivr.flow.dialogues import DIALOGUES, Opening
from ivr.flow.queries import Unavailable
from ivr.flow.session import Stage
from tests.fixtures.flow import Call, of, records
from tests.fixtures.requests import RULES

TUESDAY = datetime.fromisoformat("2026-12-01T10:00:00+01:00")


def dialogue(kind: str = "complaint") -> VoiceRequestDialogue:
    found = DIALOGUES[kind](Opening(RULES, "call-9", "0612345678", TUESDAY))
    assert isinstance(found, VoiceRequestDialogue)
    return found


def test_a_complaint_is_recorded_filed_and_a_callback_promised() -> None:
    d = dialogue()
    start = d.start(TUESDAY)
    assert start.say == (Prompt("reclamation-record"),) and start.record is not None
    filing = d.recorded("call-9_3", 12.0, TUESDAY)
    assert filing.ask == FileVoiceRequest("reclamation", "call-9", "0612345678", "call-9_3",
                                          12.0, TUESDAY)
    filed = d.answered(FiledRequest("1234567897"), TUESDAY)
    assert filed.say[:2] == (Prompt("reclamation-filed"), Text(
        "douze, trente-quatre, cinquante-six, soixante-dix-huit, quatre-vingt-dix-sept"))
    assert Prompt("callback-confirm-number") in filed.say  # the callback offer's own step
    assert [x.kind for x in filed.commands if isinstance(x, c.ContactEvent)] == [
        "reclamation_filed"]
    done = d.digit("1", TUESDAY)
    callback = [x for x in done.commands if isinstance(x, c.RequestCallback)]
    assert callback and callback[0].number == "+33612345678"
    assert callback[0].target == "reclamations"
    assert done.end == Finish(ContactOutcome.CALLBACK_REQUESTED, "callback_requested")


def test_silence_is_an_empty_message_and_the_callback_is_still_promised() -> None:
    d = dialogue("suggestion")
    d.start(TUESDAY)
    filing = d.recorded("call-9_3", 0.0, TUESDAY)
    assert isinstance(filing.ask, FileVoiceRequest) and filing.ask.recording is None
    assert filing.ask.kind == "suggestion"
    event = filing.commands[0]
    assert isinstance(event, c.ContactEvent) and event.data == {"seconds": 0.0, "empty": True}
    filed = d.answered(FiledRequest("1234567897"), TUESDAY)
    assert Prompt("callback-confirm-number") in filed.say
    failed = dialogue()
    failed.start(TUESDAY)
    assert failed.recorded(None, 0.0, TUESDAY).ask is not None  # a failed recording too


def test_declining_the_callback_still_ends_politely() -> None:
    d = dialogue()
    d.start(TUESDAY)
    d.recorded("r", 5.0, TUESDAY)
    d.answered(FiledRequest("1234567897"), TUESDAY)
    d.digit("2", TUESDAY)  # another number…
    end = None
    for _ in range(5):  # …never keyed
        reply = d.timeout(TUESDAY)
        end = reply.end or end
        if reply.end:
            break
    assert end == Finish(ContactOutcome.INFO, "reclamation_filed")
    assert Prompt("voice-request-no-callback") in reply.say


def test_the_store_away_puts_the_caller_through() -> None:
    d = dialogue()
    d.start(TUESDAY)
    d.recorded("r", 5.0, TUESDAY)
    reply = d.answered(Unavailable("store"), TUESDAY)
    assert reply.end == Fallback("store_unavailable")
    assert d.answered(FiledRequest("1234567897"), TUESDAY).end is None  # a late answer: ignored
    assert d.recorded("again", 3.0, TUESDAY).ask is None


def test_hosted_by_the_session() -> None:
    call = Call(rules=RULES, at=TUESDAY)
    call.start()
    out = call.session.begin(dialogue(), call.at)
    assert call.session.stage is Stage.DIALOGUE
    assert of(c.Play, out)[0].items == (Prompt("reclamation-record"),)
    record = of(c.RecordVoice, call.prompt_done())[0]
    out = call.send(e.VoiceRecorded, record.token, "call-1_1", 8.0)
    ask = of(c.Ask, out)[0]
    out = call.send(e.Answered, ask.token, FiledRequest("1234567897"))
    assert records(out, c.ContactEvent)[0]["kind"] == "reclamation_filed"
