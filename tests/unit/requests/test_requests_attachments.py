"""Attachments: private files with size, SHA-256 and MIME type, never half-stored."""

from __future__ import annotations

import hashlib
import random
import stat
from pathlib import Path

import pytest

from ivr.requests.errors import InvalidInput, UnknownReference
from ivr.requests.reference import new_reference
from ivr.store import attachments
from ivr.store import requests as repo
from ivr.store.db import Store
from tests.fixtures.requests import RULES, T0

pytestmark = pytest.mark.pg


def test_a_scan_is_kept_private_and_described(store: Store, tmp_path: Path) -> None:
    view = repo.create_request(store, RULES, type_id="carte-identite", at=T0, actor="a")
    data = b"%PDF-1.4 justificatif de domicile"
    added = attachments.add_attachment(store, tmp_path, view.reference, data=data, at=T0,
                                       filename="../../etc/Justificatif domicile.pdf",
                                       actor="guichet")
    path = attachments.attachment_file(tmp_path, added)
    assert path.read_bytes() == data and path.is_relative_to(tmp_path / view.reference)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert (added.size, added.sha256, added.mime) == (
        len(data), hashlib.sha256(data).hexdigest(), "application/pdf")
    [listed] = repo.get_request(store, view.reference).attachments
    assert listed == added and listed.filename == "../../etc/Justificatif domicile.pdf"
    with pytest.raises(InvalidInput, match="déjà joint"):
        attachments.add_attachment(store, tmp_path, view.reference, data=data, at=T0,
                                   filename="../../etc/Justificatif domicile.pdf")
    voice = attachments.add_attachment(store, tmp_path, view.reference, data=b"RIFF....WAVE",
                                       filename="message.wav", at=T0, mime="audio/wav")
    assert voice.mime == "audio/wav"


def test_refused_attachments_leave_no_file(store: Store, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    area = tmp_path / "attachments"  # the SQLite file lives beside it
    with pytest.raises(UnknownReference):
        attachments.add_attachment(store, area, new_reference(random.Random(5)),
                                   data=b"x", filename="a.txt", at=T0)
    view = repo.create_request(store, RULES, type_id="reclamation", at=T0, actor="a")
    with pytest.raises(InvalidInput, match="vide"):
        attachments.add_attachment(store, area, view.reference, data=b"", filename="a",
                                   at=T0)
    monkeypatch.setattr(attachments, "MAX_BYTES", 10)
    with pytest.raises(InvalidInput, match="trop volumineux"):
        attachments.add_attachment(store, area, view.reference, data=b"x" * 11,
                                   filename="a", at=T0)

    def fail(*_args: object) -> None:
        raise RuntimeError("disk full")  # after the row's INSERT, before the commit

    monkeypatch.setattr(attachments, "AttachmentView", fail)
    with pytest.raises(RuntimeError):
        attachments.add_attachment(store, area, view.reference, data=b"x", at=T0,
                                   filename="a.txt")
    assert repo.get_request(store, view.reference).attachments == ()
    assert [p for p in area.rglob("*") if p.is_file()] == []
