"""Voice prompts page: listen, upload a recording (any format), delete it, edit a text."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pydub import AudioSegment
from pydub.generators import Sine

from ivr.prompts import PromptLibrary
from ivr.settings import Settings
from ivr.store.db import Store
from ivr.store.models import AuditLog
from tests.fixtures.db import sqlite_url


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """The prompt files' logic does not depend on the database:
    SQLite only (the store's features run on both databases in their own tests)."""
    return sqlite_url(tmp_path)


def _tone(fmt: str) -> bytes:
    out = io.BytesIO()
    Sine(440).to_audio_segment(duration=700).export(out, format=fmt)
    return out.getvalue()


def _audit(store: Store) -> list[tuple[str, str | None]]:
    """The prompt changes audited so far."""
    with store.session() as session:
        rows = session.query(AuditLog).filter(AuditLog.action.like("prompt.%"))
        return [(a.action, a.object) for a in rows.order_by(AuditLog.id)]


def test_listen_serves_only_catalogue_prompts(as_user: Callable[[str], FlaskClient]) -> None:
    client = as_user("admin")
    audio = client.get("/prompts/goodbye/audio")
    assert audio.status_code == 200 and audio.mimetype == "audio/wav"
    assert AudioSegment.from_file(io.BytesIO(audio.data)).frame_rate == 16000
    assert 'src="/prompts/goodbye/audio"' in client.get("/prompts/").text
    for bad in ("nope", "..%2Fcatalogue.yaml", "manifest.json", "goodbye.wav"):
        assert client.get(f"/prompts/{bad}/audio").status_code == 404
    assert as_user("superviseur").get("/prompts/goodbye/audio").status_code == 403


@pytest.mark.parametrize("fmt, name", [("mp3", "merci.mp3"), ("ogg", "merci.ogg"),
                                       ("flac", "merci.flac")])  # fmt: skip
def test_upload_converts_for_asterisk_then_delete(
    as_user: Callable[[str], FlaskClient],
    store: Store,
    settings: Settings,
    prompts_dir: Path,
    fmt: str,
    name: str,
) -> None:
    client = as_user("admin")
    sent = client.post("/prompts/goodbye/recording",
                       data={"recording": (io.BytesIO(_tone(fmt)), name)})  # fmt: skip
    assert sent.status_code == 302
    stored = prompts_dir / "recordings" / "goodbye.wav"
    assert AudioSegment.from_file(stored).channels == 1
    rendered = AudioSegment.from_file(settings.sounds_dir / "goodbye.wav")
    assert rendered.frame_rate == 8000 and 600 <= len(rendered) <= 800  # the tone, not espeak
    assert "Enregistrement (goodbye.wav)" in client.get("/prompts/").text

    assert client.post("/prompts/goodbye/recording/delete").status_code == 302
    assert not stored.exists()
    assert len(AudioSegment.from_file(settings.sounds_dir / "goodbye.wav")) > 900  # espeak again
    assert _audit(store) == [("prompt.record", "goodbye"), ("prompt.unrecord", "goodbye")]


def test_upload_refuses_what_is_not_audio(
    as_user: Callable[[str], FlaskClient], prompts_dir: Path, store: Store
) -> None:
    client = as_user("admin")
    page = client.post("/prompts/goodbye/recording", follow_redirects=True,
                       data={"recording": (io.BytesIO(b"not audio"), "x.mp3")})  # fmt: skip
    assert "fichier audio illisible" in page.text
    page = client.post("/prompts/goodbye/recording", follow_redirects=True,
                       data={"recording": (io.BytesIO(b"MZ"), "x.exe")})  # fmt: skip
    assert "Formats acceptés" in page.text
    recordings = prompts_dir / "recordings"
    assert not recordings.exists() or not any(recordings.iterdir())
    assert _audit(store) == []


def test_upload_size_limit(make_app: Callable[..., Flask]) -> None:
    client = make_app(MAX_CONTENT_LENGTH=1000).test_client()
    client.post("/login", data={"username": "admin", "password": "mot-de-passe-solide"})
    big = client.post("/prompts/goodbye/recording",
                      data={"recording": (io.BytesIO(b"0" * 5000), "a.wav")})  # fmt: skip
    assert big.status_code == 413 and "trop volumineux" in big.text


def test_edit_text_is_merged_by_the_ivr_and_reset(
    as_user: Callable[[str], FlaskClient], prompts_dir: Path, settings: Settings, store: Store
) -> None:
    client = as_user("admin")
    before = (settings.sounds_dir / "goodbye.wav").exists()
    new = "Merci de votre appel, à bientôt."
    assert client.post("/prompts/goodbye/text", data={"text": f"  {new}\n"}).status_code == 302
    library = PromptLibrary(settings.sounds_dir, prompts_dir / "catalogue.yaml")
    assert library.catalogue["goodbye"] == new and not before
    assert (settings.sounds_dir / "goodbye.wav").exists()
    assert "Texte modifié" in client.get("/prompts/").text
    client.post("/prompts/goodbye/text", data={"text": ""})
    library = PromptLibrary(settings.sounds_dir, prompts_dir / "catalogue.yaml")
    assert library.catalogue["goodbye"] == library.base_catalogue["goodbye"] != new
    assert [a for a, _ in _audit(store)] == ["prompt.text", "prompt.text"]
