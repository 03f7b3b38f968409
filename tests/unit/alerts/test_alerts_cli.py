"""``townhall-ivr alerts`` over a real store: create, start, a second launch refused
unless confirmed, stop, resume, status (text and JSON), French errors."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result
from sqlalchemy import select

from ivr.cli.alerts import alerts
from ivr.settings import Settings
from ivr.store.db import Store
from ivr.store.models import AuditLog
from tests.fixtures.alerts import T0, numbers, register
from tests.fixtures.requests import ROOT


def invoke(db_url: str, *args: str) -> Result:
    settings = Settings.from_env({"TOWNHALL_DB_URL": db_url, "TOWNHALL_CLOCK": T0.isoformat(),
                                  "TOWNHALL_RULES": str(Path(ROOT) / "routing_rules.yaml")})
    return CliRunner().invoke(alerts, list(args), obj=settings)


def test_create_start_stop_resume_status(db_url: str, store: Store) -> None:
    register(store, numbers(4, vulnerable_every=2))
    created = invoke(db_url, "create", "--title", "Crue", "--message", "Montez à l'étage.",
                     "--channels", "10", "--start")
    assert created.exit_code == 0, created.output
    assert created.output.strip() == "campagne 1 créée : 4 numéros, en_cours"
    second = invoke(db_url, "create", "--title", "Crue bis", "--message", "x", "--start")
    assert second.exit_code == 1 and "confirmez" in second.output
    assert invoke(db_url, "start", "1").exit_code == 1  # already running
    assert invoke(db_url, "stop", "1").output.strip() == "campagne 1 : arretee"
    assert invoke(db_url, "resume", "1").output.strip() == "campagne 1 : en_cours"
    status = json.loads(invoke(db_url, "status", "1", "--json").output)
    assert (status["status"], status["pending"], status["total"]) == ("en_cours", 4, 4)
    text = invoke(db_url, "status", "1").output
    assert "en attente 4 (sur 4)" in text
    with store.session() as session:
        audit = session.scalars(select(AuditLog.action).where(AuditLog.object == "alerte:1")
                                .order_by(AuditLog.id)).all()
    assert audit == ["alerte_lancee", "alerte_arretee", "alerte_reprise"]


def test_bad_input_is_a_french_error(db_url: str, store: Store) -> None:
    result = invoke(db_url, "create", "--title", "Crue", "--message", "x")
    assert result.exit_code == 1 and "Personne à appeler" in result.output
    result = invoke(db_url, "create", "--title", "Essai", "--message", "x", "--test")
    assert "cellule de crise" in result.output
    assert "introuvable" in invoke(db_url, "stop", "42").output
    assert "Aucune campagne" in invoke(db_url, "status").output
    assert "Traceback" not in result.output
