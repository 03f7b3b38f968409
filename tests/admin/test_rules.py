"""Rules editor: check with line numbers, simulate, publish atomically, roll back."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from ivr.settings import Settings
from ivr.store.db import Store
from ivr.store.models import AuditLog, RulesVersion


@pytest.fixture
def admin(as_user: Callable[[str], FlaskClient]) -> FlaskClient:
    return as_user("admin")


def _post(client: FlaskClient, content: str, action: str, **fields: str) -> tuple[int, str]:
    response = client.post("/rules/", data={"content": content, "action": action, **fields})
    return response.status_code, response.text


def test_editor_shows_the_current_file(admin: FlaskClient, settings: Settings) -> None:
    page = admin.get("/rules/").text
    assert "Mairie de Villebourg" in page and "Aucune version publiée" in page


def test_check_shows_each_error_at_its_line(admin: FlaskClient, settings: Settings) -> None:
    lines = settings.rules_path.read_text(encoding="utf-8").splitlines()
    line = next(i for i, text in enumerate(lines, 1) if text.strip().startswith("timezone:"))
    lines[line - 1] = "  timezone: Europe/Villebourg"
    status, page = _post(admin, "\n".join(lines), "check")
    assert status == 422
    assert f'<li id="ligne-{line}" class="faulty">' in page
    assert f"Ligne {line}, colonne" in page and "unknown time zone" in page


def test_check_accepts_the_default_file(admin: FlaskClient, settings: Settings) -> None:
    status, page = _post(admin, settings.rules_path.read_text(encoding="utf-8"), "check")
    assert status == 200 and "Les règles sont valides." in page


def test_simulate_a_phrase(admin: FlaskClient, settings: Settings) -> None:
    text = settings.rules_path.read_text(encoding="utf-8")
    _, page = _post(admin, text, "phrase", phrase="je voudrais un acte de naissance")
    assert "etat-civil" in page and "acte de naissance" in page


def test_simulate_a_moment(admin: FlaskClient, settings: Settings) -> None:
    text = settings.rules_path.read_text(encoding="utf-8")
    _, sunday = _post(admin, text, "when", at="2026-12-06T10:00")
    assert "Fermé" in sunday and "demain à 8 heures 30" in sunday
    _, wednesday = _post(admin, text, "when", at="2026-12-02T10:00")
    assert "state-open" in wednesday


def test_publish_writes_file_version_audit_and_signals(
    admin: FlaskClient, settings: Settings, store: Store, pid_file: list[int]
) -> None:
    text = settings.rules_path.read_text(encoding="utf-8").replace(
        "Mairie de Villebourg", "Mairie de Test"
    )
    status, _ = _post(admin, text, "publish", comment="nouveau nom")
    assert status == 302
    assert settings.rules_path.read_text(encoding="utf-8") == text
    assert not [p for p in settings.rules_path.parent.iterdir() if p.name.endswith(".tmp")]
    with store.session() as session:
        version = session.scalars(select(RulesVersion)).one()
        audit = session.scalars(select(AuditLog).where(AuditLog.action == "rules.publish")).one()
    assert (version.author, version.comment, version.content) == ("admin", "nouveau nom", text)
    assert audit.username == "admin"
    assert pid_file == [signal.SIGHUP]


def test_publish_refuses_an_invalid_text(
    admin: FlaskClient, settings: Settings, store: Store
) -> None:
    before = settings.rules_path.read_text(encoding="utf-8")
    status, _ = _post(admin, "version: 2\n", "publish")
    assert status == 422 and settings.rules_path.read_text(encoding="utf-8") == before
    with store.session() as session:
        assert session.scalars(select(RulesVersion)).all() == []


def test_version_diff_and_rollback(admin: FlaskClient, settings: Settings, store: Store) -> None:
    original = settings.rules_path.read_text(encoding="utf-8")
    _post(admin, original, "publish", comment="v1")
    _post(admin, original.replace("Mairie de Villebourg", "Mairie B"), "publish", comment="v2")
    diff = admin.get("/rules/versions/1").text
    assert (
        "-  name: &#34;Mairie B&#34;" in diff and "+  name: &#34;Mairie de Villebourg&#34;" in diff
    )
    assert admin.post("/rules/versions/1/rollback").status_code == 302
    assert settings.rules_path.read_text(encoding="utf-8") == original
    with store.session() as session:
        versions = session.scalars(select(RulesVersion).order_by(RulesVersion.id)).all()
        actions = session.scalars(select(AuditLog.action)).all()
    assert [v.comment for v in versions] == ["v1", "v2", "Retour à la version 1"]
    assert "rules.rollback" in actions
    assert admin.get("/rules/versions/99").status_code == 404


@pytest.fixture
def pid_file(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Pretend this test process is the IVR: record the signals it receives."""
    monkeypatch.setattr("ivr.runfiles.is_ivr_app", lambda pid: pid == os.getpid())
    received: list[int] = []
    previous = signal.signal(signal.SIGHUP, lambda signum, _frame: received.append(signum))
    run = settings.home / "run"
    run.mkdir(parents=True, exist_ok=True)
    (run / "ivr-app.pid").write_text(f"{os.getpid()}\n")
    yield received
    signal.signal(signal.SIGHUP, previous)


def test_rules_page_is_for_administrators_only(
    as_user: Callable[[str], FlaskClient], app: Flask
) -> None:
    client = as_user("superviseur")
    assert client.post("/rules/", data={"content": "", "action": "publish"}).status_code == 403
    assert client.post("/rules/versions/1/rollback").status_code == 403
