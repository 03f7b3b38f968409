"""A phone complaint becomes a request with both deadlines, its recording kept, the call
linked, and its words transcribed when a speech model is loaded."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from ivr.flow.complaint import EMPTY_MESSAGE, FileVoiceRequest
from ivr.requests.adapters.voice_transcripts import transcriber
from ivr.speech import SpeechEngine
from ivr.store import requests as repo
from ivr.store.db import Store
from ivr.store.models import Contact
from ivr.store.voice_requests import add_transcript, file_voice_request
from tests.fixtures.requests import RULES

pytestmark = pytest.mark.pg
AT = datetime.fromisoformat("2026-12-01T10:00:00+01:00")


def file(store: Store, tmp_path: Path, recording: str | None, caller: str | None = "0612345678"):
    query = FileVoiceRequest("reclamation", "call-7", caller, recording, 4.0, AT)
    return file_voice_request(store, query, rules=lambda: RULES,
                              recording_path=lambda name: tmp_path / "spool" / f"{name}.wav",
                              area=tmp_path / "attachments")


def test_the_recording_moves_into_the_request(store: Store, tmp_path: Path) -> None:
    (tmp_path / "spool").mkdir()
    wav = tmp_path / "spool" / "call-7_1.wav"
    wav.write_bytes(b"RIFF....WAVEfmt ")
    with store.session() as session:
        session.add(Contact(call_id="call-7", started_at=AT))
    filed = file(store, tmp_path, "call-7_1")
    view = repo.get_request(store, filed.reference)
    assert view.type == "reclamation" and view.acknowledge_due_at and view.due_at
    assert [a.mime for a in view.attachments] == ["audio/wav"] and not wav.exists()
    assert (tmp_path / "attachments" / view.attachments[0].path).read_bytes().startswith(b"RIFF")
    assert len(view.contact_ids) == 1 and view.description is None
    assert repo.search(store, phone="0612345678")[0].reference == filed.reference


def test_silence_is_kept_as_an_empty_message(store: Store, tmp_path: Path) -> None:
    view = repo.get_request(store, file(store, tmp_path, None, caller="anonymous").reference)
    assert view.description == EMPTY_MESSAGE and view.attachments == ()
    assert view.citizen_id is None and view.contact_ids == ()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng (scripts/bootstrap)")
def test_with_a_speech_model_the_spoken_complaint_is_transcribed(
        store: Store, tmp_path: Path, vosk_test_engine: SpeechEngine) -> None:
    """The real vosk path with the only model reachable here (Korean): the words it hears
    of French speech are not French, but they land on the request after the reference."""
    (tmp_path / "spool").mkdir()
    subprocess.run(["espeak-ng", "-v", "fr", "-w", str(tmp_path / "spool" / "call-7_1.wav"),
                    "Bonjour, je voudrais me plaindre du bruit de la salle des fêtes."],
                   check=True, timeout=60)
    queued: list[Callable[[], None]] = []
    hook = transcriber(store, vosk_test_engine, lambda: AT, later=queued.append)
    query = FileVoiceRequest("reclamation", "call-7", "0612345678", "call-7_1", 4.0, AT)
    filed = file_voice_request(store, query, rules=lambda: RULES,
                               recording_path=lambda name: tmp_path / "spool" / f"{name}.wav",
                               area=tmp_path / "attachments", transcribe=hook)
    assert repo.get_request(store, filed.reference).description is None  # not yet: off the call
    [work] = queued
    work()
    view = repo.get_request(store, filed.reference)
    assert view.description is not None
    assert view.description.startswith("Transcription automatique : ")
    assert view.events[-1].kind == "note" and view.events[-1].actor == "ivr"


def test_a_french_transcript_is_kept_as_said(store: Store) -> None:
    """French understanding is checked on text (no French model here)."""
    reference = repo.create_request(store, RULES, type_id="suggestion", at=AT, actor="ivr",
                                    channel="phone", description=EMPTY_MESSAGE).reference
    add_transcript(store, reference, "  des bancs   au parc  ", at=AT)
    view = repo.get_request(store, reference)
    assert view.description == f"{EMPTY_MESSAGE}\nTranscription automatique : des bancs au parc"
    add_transcript(store, reference, "", at=AT)
    assert repo.get_request(store, reference).description.endswith("(aucun mot reconnu)")


def test_no_model_no_transcription(store: Store, tmp_path: Path) -> None:
    queued: list[Callable[[], None]] = []
    hook = transcriber(store, SpeechEngine(None), lambda: AT, later=queued.append)
    hook("1234567897", tmp_path / "x.wav")
    assert queued == []
