"""A phone complaint becomes a request with both deadlines, its recording kept, the call linked."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from ivr.flow.complaint import EMPTY_MESSAGE, FileVoiceRequest
from ivr.store import requests as repo
from ivr.store.db import Store
from ivr.store.models import Contact
from ivr.store.voice_requests import file_voice_request
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
