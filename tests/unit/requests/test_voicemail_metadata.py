"""Voicemail metadata (input from outside, parsed defensively) and create-or-join."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ivr.requests import voicemail as vm
from tests.fixtures.requests import PARIS
from tests.fixtures.voicemail import metadata


def test_a_message_file_gives_caller_time_duration_and_a_stable_key() -> None:
    message = vm.parse_metadata(metadata(), "etat-civil", "msg0000")
    assert message == vm.VoicemailMessage(
        "etat-civil", "1796112000-00000001", datetime(2026, 12, 1, 8, 0, tzinfo=UTC), 5,
        "+33612345678", "0612345678", "1796112000.42")
    assert message.key == "etat-civil/1796112000/1796112000-00000001"
    assert vm.attachment_name(message) == (
        "message-vocal-etat-civil-20261201-080000-1796112000-00000001.wav")


@pytest.mark.parametrize(("callerid", "e164", "raw"), [
    ("0612345678", "+33612345678", "0612345678"),
    ('"Jean" <+33612345678>', "+33612345678", "+33612345678"),
    ('"Unknown" <Unknown>', None, ""),
    ("anonymous", None, ""),
    ('"x" <>', None, ""),
    ("<0612345678;ext=1>", None, ""),
    ('"Standard" <1234>', None, "1234"),  # not a valid number: shown, never used to match
])
def test_caller_ids_are_numbers_or_nothing(callerid: str, e164: str | None, raw: str) -> None:
    message = vm.parse_metadata(metadata(callerid=callerid), "etat-civil", "msg0000")
    assert (message.caller, message.caller_raw) == (e164, raw)


@pytest.mark.parametrize(("category", "call_id"), [
    ("townhall-03deef672e-1796043936.0", "townhall-03deef672e-1796043936.0"),
    ("", None),
    ("a b", None),
    ("x" * 129, None),
])
def test_the_call_id_is_taken_only_when_it_looks_like_one(category: str,
                                                          call_id: str | None) -> None:
    message = vm.parse_metadata(metadata(call_id=category), "accueil", "msg0000")
    assert message.call_id == call_id


def test_an_older_asterisk_without_msg_id_keys_on_the_file_name() -> None:
    text = metadata().replace("msg_id=1796112000-00000001\n", "")
    assert vm.parse_metadata(text, "accueil", "msg0007").msg_id == "msg0007"


@pytest.mark.parametrize(("text", "box"), [
    ("", "etat-civil"),
    ("callerid=0612345678\n", "etat-civil"),
    ("[message]\norigtime=soon\nduration=5\n", "etat-civil"),
    ("[message]\norigtime=1796112000\nduration=-5\n", "etat-civil"),
    ("[message]\norigtime=1796112000\n", "etat-civil"),
    ("[message]\norigtime=1796112000\nduration=999999999\n", "etat-civil"),
    ("[message]\norigtime=1796112000\nduration=5\nmsg_id=../../etc/passwd\n", "etat-civil"),
    ("[message]\norigtime=1796112000\nduration=5\x00\n", "etat-civil"),
    ("[message]\n" + "x" * 9000, "etat-civil"),
    ("[message\norigtime=1", "etat-civil"),
    (metadata(), "../accueil"),
    (metadata(), "Accueil"),
])
def test_hostile_metadata_is_refused_whole(text: str, box: str) -> None:
    with pytest.raises(vm.MetadataError):
        vm.parse_metadata(text, box, "msg0000")


MESSAGE = vm.parse_metadata(metadata(), "etat-civil", "msg0000")
HIDDEN = vm.parse_metadata(metadata(callerid="anonymous"), "etat-civil", "msg0000")


def test_a_first_message_creates_a_request_that_says_who_when_and_how_long() -> None:
    decision = vm.decide(MESSAGE, [], PARIS)
    assert decision == vm.Create(
        "Message vocal de +33612345678",
        "Message vocal de 5 s laissé le 01/12/2026 à 09:00 par +33612345678.")


def test_a_caller_with_an_open_request_joins_the_newest() -> None:
    decision = vm.decide(MESSAGE, ["1111111116", "2222222222"], PARIS, "bonjour")
    assert isinstance(decision, vm.Join) and decision.reference == "1111111116"
    assert decision.note.startswith("Nouveau message vocal. Message vocal de 5 s")
    assert decision.note.endswith("Transcription automatique : bonjour")


def test_a_withheld_number_never_joins_anything() -> None:
    decision = vm.decide(HIDDEN, ["1111111116"], PARIS)
    assert decision == vm.Create(
        "Message vocal de numéro masqué",
        "Message vocal de 5 s laissé le 01/12/2026 à 09:00 par numéro masqué.")


@pytest.mark.parametrize(("transcript", "line"), [
    (None, None),
    ("", "Transcription automatique : (aucun mot reconnu)"),
    ("rappelez-moi", "Transcription automatique : rappelez-moi"),
])
def test_the_transcript_is_in_the_description_when_a_model_ran(
        transcript: str | None, line: str | None) -> None:
    decision = vm.decide(MESSAGE, [], PARIS, transcript)
    assert isinstance(decision, vm.Create)
    lines = decision.description.splitlines()
    assert lines[1:] == ([line] if line else [])
