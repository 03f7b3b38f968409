"""Backup, restore into a fresh home, then a real call: the IVR works on the restored
store (the old contacts are there beside the new call) with the restored secrets."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from ivr.cli import main
from ivr.settings import Settings
from ivr.store.db import Store
from ivr.store.models import Contact
from tests.fixtures.stack import prompt_cache
from townhall_support.stack import DEFAULT_RULES, OPEN_CLOCK, running_stack


def _refs(db_url: str) -> list[str | None]:
    store = Store(db_url)
    with store.session() as session:
        refs = [c.ref for c in session.query(Contact).order_by(Contact.id)]
    store.dispose()
    return refs


def test_restore_into_a_fresh_home_then_a_call_uses_the_old_store(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    old_home = tmp_path / "old"
    env = {"TOWNHALL_HOME": str(old_home), "TOWNHALL_RULES": str(DEFAULT_RULES),
           "TOWNHALL_CLOCK": OPEN_CLOCK}
    old = Settings.from_env(env)
    store = Store(old.db_url)
    store.migrate()
    with store.session() as session:
        session.add(Contact(channel="counter", direction="inbound", started_at=old.clock.now(),
                            ref="contact-d-avant", outcome="info"))
    store.dispose()
    ari_password = old.secret("ari_password")
    archive = tmp_path / "sauvegarde.tar.gz"
    runner = CliRunner()
    assert runner.invoke(main, ["backup", str(archive), "--prompts", str(tmp_path)],
                         env=env).exit_code == 0

    home = tmp_path / "restored"
    restored = runner.invoke(main, ["restore", str(archive), "--home", str(home), "--prompts",
                                    str(tmp_path / "prompts"), "--force"],
                             env={**env, "TOWNHALL_RULES": str(tmp_path / "rules.yaml")})
    assert restored.exit_code == 0, restored.output

    with running_stack(home, "sip:agent@127.0.0.1:9", prompt_cache=prompt_cache(
            tmp_path_factory)) as stack:
        assert stack.settings.db_url.endswith(f"{home}/townhall.db")
        assert stack.settings.ari_password == ari_password  # Asterisk runs on the restored secret
        result = stack.call(hold_seconds=3)
        assert result.answered, stack.app_log()
        assert stack.contact(result.ref) is not None, stack.app_log()
        assert _refs(stack.settings.db_url)[0] == "contact-d-avant"
        assert result.ref in _refs(stack.settings.db_url)
