"""A civil-status document requested by phone, as a pure state machine."""

from __future__ import annotations

from datetime import date, datetime

from ivr.domain.outcomes import ContactOutcome
from ivr.domain.prompt_texts import Prompt, Text
from ivr.flow import commands as c
from ivr.flow.dialogue import Fallback, Finish, Reply
from ivr.flow.document_request import POSTED_ON_FILE, DocumentRequestDialogue, Step
from ivr.flow.queries import Unavailable
from ivr.flow.request_queries import (
    AddressOnFile,
    CreateDocumentRequest,
    DocumentRequested,
    PostalAddressOf,
)
from tests.fixtures.requests import PARIS, RULES, T0


def keys(d: DocumentRequestDialogue, digits: str) -> Reply:
    reply = Reply()
    for digit in digits:
        reply = d.digit(digit, T0)
    return reply


def up_to_names(caller: str | None = "0612345678",
                on_file: bool = False) -> DocumentRequestDialogue:
    d = DocumentRequestDialogue(RULES, "call-1", caller)
    first = d.start(T0)
    if caller == "0612345678":  # a number to look up: its address on file first
        assert first.ask == PostalAddressOf("+33612345678") and not first.say
        first = d.answered(AddressOnFile(on_file), T0)
    assert Prompt("document-choose-act") in first.say
    assert Prompt("document-choose-kind") in d.digit("1", T0).say
    assert Prompt("document-enter-date") in d.digit("2", T0).say
    names = keys(d, "14071990")
    assert names.record is not None and Prompt("document-say-names") in names.say
    return d


def test_keyed_and_spoken_then_created_and_the_reference_read_in_pairs() -> None:
    d = up_to_names()
    delivery = d.recorded("call-1_7", 4.2, T0)
    assert Prompt("document-choose-delivery") in delivery.say and delivery.record is None
    address = d.digit("1", T0)
    assert address.record is not None and Prompt("document-say-address") in address.say
    create = d.recorded("call-1_9", 6.0, T0)
    query = create.ask
    assert isinstance(query, CreateDocumentRequest)
    assert (query.type_id, query.kind, query.event_date, query.delivery, query.caller) == (
        "acte-naissance", "Extrait", date(1990, 7, 14), "courrier", "+33612345678")
    assert query.recordings == (("noms", "call-1_7"), ("adresse", "call-1_9"))
    due = datetime(2026, 12, 8, 23, 59, 59, tzinfo=PARIS)
    told = d.answered(DocumentRequested("1234567897", due), T0)
    heard = " ".join(i.text for i in told.say if isinstance(i, Text))
    assert "douze, trente-quatre, cinquante-six, soixante-dix-huit, quatre-vingt-dix-sept" \
        in heard
    assert "sous 5 jours ouvrés, au plus tard le mardi 8 décembre" in heard
    assert told.end == Finish(ContactOutcome.SELF_SERVICE, "self_service")
    assert c.UpdateContact(at=T0, request_ref="1234567897",
                           outcome=ContactOutcome.SELF_SERVICE) in told.commands


def test_wrong_keys_and_dates_are_asked_again_then_a_person() -> None:
    d = DocumentRequestDialogue(RULES, "call-1", None)
    d.start(T0)
    assert Prompt("invalid") in d.digit("7", T0).say and d.step == Step.ACT
    d.digit("3", T0)
    d.digit("1", T0)
    assert Prompt("status-invalid-date") in keys(d, "31131990").say  # no 13th month
    assert d.failures == 2 and d.step == Step.DATE
    assert keys(d, "0101" + "2999").end == Fallback("too_many_failures")  # the future


def test_a_short_date_ends_with_pound_and_star_starts_it_again() -> None:
    d = DocumentRequestDialogue(RULES, "call-1", None)
    d.start(T0)
    d.digit("1", T0)
    d.digit("1", T0)
    keys(d, "12*")
    assert d.digits == ""
    assert Prompt("status-invalid-date") in keys(d, "0107#").say


def test_nothing_recorded_is_asked_again_and_a_withheld_number_creates_without_citizen(
        ) -> None:
    d = up_to_names("anonymous")
    again = d.recorded(None, 0, T0)
    assert Prompt("document-not-recorded") in again.say and again.record is not None
    d.recorded("call-1_3", 2.0, T0)
    d.digit("2", T0)
    query = d.recorded("call-1_4", 3.0, T0).ask
    assert isinstance(query, CreateDocumentRequest)
    assert query.caller is None and query.delivery == "courriel"


def test_the_store_away_puts_the_caller_through_with_nothing_half_made() -> None:
    d = up_to_names()
    d.recorded("n", 2.0, T0)
    d.digit("1", T0)
    d.recorded("a", 2.0, T0)
    reply = d.answered(Unavailable("store"), T0)
    assert reply.end == Fallback("store_unavailable")
    assert Prompt("service-unavailable") in reply.say


def test_posted_to_the_address_on_file_with_nothing_to_say() -> None:
    d = up_to_names(on_file=True)
    delivery = d.recorded("call-1_7", 4.2, T0)
    assert delivery.say == (Prompt("document-choose-delivery-on-file"),)
    create = d.digit("1", T0)  # « par courrier à votre adresse enregistrée »
    query = create.ask
    assert isinstance(query, CreateDocumentRequest) and create.record is None
    assert (query.delivery, query.to_address_on_file) == ("courrier", True)
    assert query.recordings == (("noms", "call-1_7"),)  # no address said
    assert {"dialogue": "document_request", "delivery": "courrier", "on_file": True} in [
        command.data for command in create.commands if isinstance(command, c.ContactEvent)]
    told = d.answered(DocumentRequested("1234567897", T0), T0)
    assert Text(POSTED_ON_FILE) in told.say


def test_by_email_with_an_address_on_file_still_records_the_e_mail() -> None:
    d = up_to_names(on_file=True)
    d.recorded("call-1_7", 4.2, T0)
    said = d.digit("2", T0)
    assert said.record is not None and Prompt("document-say-email") in said.say
    query = d.recorded("call-1_8", 3.0, T0).ask
    assert isinstance(query, CreateDocumentRequest) and not query.to_address_on_file


def test_the_store_away_when_looking_the_address_up_puts_the_caller_through() -> None:
    d = DocumentRequestDialogue(RULES, "call-1", "0612345678")
    d.start(T0)
    reply = d.answered(Unavailable("timeout"), T0)
    assert reply.end == Fallback("store_unavailable") and d.step == Step.DONE
