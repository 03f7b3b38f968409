"""Commands a newcomer or an operator runs: no traceback, tokens managed, backup/restore."""

from __future__ import annotations

import os
import stat
import subprocess
import tarfile
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ivr.cli import main
from ivr.settings import Settings
from ivr.store.db import Store
from ivr.store.models import Contact
from tests.fixtures.rules import DEFAULT_RULES

NOW = "2026-12-01T10:00:00+01:00"


def _env(home: Path, db_url: str | None = None, rules: Path = DEFAULT_RULES) -> dict[str, str]:
    env = {"TOWNHALL_HOME": str(home), "TOWNHALL_RULES": str(rules), "TOWNHALL_CLOCK": NOW}
    if db_url:
        env["TOWNHALL_DB_URL"] = db_url
    return env


def _run(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=env)


@pytest.mark.parametrize("command", [("contacts", "list"), ("callbacks", "list"),
                                     ("admin", "list-tokens"), ("requests", "list"),
                                     ("messages", "list"), ("messages", "lists"),
                                     ("alerts", "status")])  # fmt: skip
def test_reading_before_the_store_exists_says_how_to_start(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    result = _run(_env(tmp_path / "home"), *command)
    assert result.exit_code == 1
    assert "aucune base de données n'existe encore" in result.output
    assert "townhall-ivr db upgrade" in result.output
    assert not (tmp_path / "home" / "townhall.db").exists()  # reading created nothing


def test_down_never_signals_a_process_that_a_stale_pid_file_names(tmp_path: Path) -> None:
    """The supervisor's pid file left by a crash may name a pid the system gave to
    another process since: ``down`` must not stop (nor kill) it, ``status`` must not
    call it ours."""
    stranger = subprocess.Popen(["sleep", "30"])
    try:
        for name in ("stack.pid", "ivr-app.pid"):
            (tmp_path / "home" / "run").mkdir(parents=True, exist_ok=True)
            (tmp_path / "home" / "run" / name).write_text(f"{stranger.pid}\n")
        env = _env(tmp_path / "home")
        assert _run(env, "down").output.strip() == "already down"
        shown = _run(env, "status").output
        assert "stack:     down" in shown and "ivr app 0: not running" in shown
        assert stranger.poll() is None  # SIGTERM would have ended sleep
    finally:
        stranger.kill()
        stranger.wait()


def test_route_batch_that_is_not_utf8_names_file_line_and_column(tmp_path: Path) -> None:
    batch = tmp_path / "phrases.txt"
    batch.write_bytes("je veux un acte\nla cantine é\n".encode("latin-1"))
    result = _run(_env(tmp_path / "home"), "route", "--batch", str(batch))
    assert result.exit_code == 1
    assert f"{batch}:2:12: ce fichier n'est pas en UTF-8" in result.output
    assert "Traceback" not in result.output


def test_rules_and_settings_files_not_in_utf8_name_line_and_column(tmp_path: Path) -> None:
    """Variants of the batch case: the rules file and the settings file, saved in
    Latin-1 by an editor, are named at their first bad byte too."""
    rules = tmp_path / "routing_rules.yaml"
    rules.write_bytes("version: 1\n# é\ntown: {name: Mairie de Sète}\n".encode("latin-1"))
    checked = _run(_env(tmp_path / "home", rules=rules), "rules", "check")
    assert checked.exit_code == 1 and "Traceback" not in checked.output
    assert f"{rules}:2:3: ce fichier n'est pas en UTF-8" in checked.output
    config = tmp_path / "townhall-ivr.env"
    config.write_bytes("# réglages\n".encode("latin-1"))
    read = CliRunner().invoke(main, ["rules", "check"], env={"TOWNHALL_CONFIG": str(config)})
    assert read.exit_code == 1 and f"{config}:1:4: ce fichier n'est pas en UTF-8" in read.output


def test_tokens_are_created_with_scopes_listed_and_revoked(tmp_path: Path) -> None:
    env = _env(tmp_path / "home")
    assert _run(env, "db", "upgrade").exit_code == 0
    made = _run(env, "admin", "create-token", "site", "--scope", "contacts:create",
                "--expires-days", "30")
    assert made.exit_code == 0 and len(made.output.strip()) > 30
    assert _run(env, "admin", "create-token", "x", "--scope", "tout").exit_code == 1
    listed = _run(env, "admin", "list-tokens").output
    assert "\tsite\tcontacts:create\t" in listed and "2026-12-31" in listed
    assert _run(env, "admin", "revoke-token", "1").exit_code == 0
    assert listed != (again := _run(env, "admin", "list-tokens").output)
    assert again.splitlines()[1].split("\t")[-1].startswith("2026-12-01")
    assert _run(env, "admin", "revoke-token", "9").exit_code == 1


def _contacts(db_url: str) -> list[str]:
    store = Store(db_url)
    with store.session() as session:
        refs = [c.ref or "" for c in session.query(Contact).order_by(Contact.id)]
    store.dispose()
    return refs


def test_backup_then_restore_into_a_fresh_home(
    tmp_path: Path, db_url: str, store: Store
) -> None:
    """Store (both engines), rules, recordings, attachments and secrets come back."""
    home, prompts = tmp_path / "home", tmp_path / "prompts"
    settings = Settings.from_env(_env(home, db_url))
    with store.session() as session:
        session.add(Contact(channel="web", direction="inbound", started_at=settings.clock.now(),
                            ref="avant-sauvegarde", outcome="info"))
    secret = settings.secret("ami_password")
    (home / "attachments" / "r1").mkdir(parents=True)
    (home / "attachments" / "r1" / "scan.pdf").write_bytes(b"%PDF")
    (prompts / "recordings").mkdir(parents=True)
    (prompts / "recordings" / "goodbye.wav").write_bytes(b"RIFF")
    archive = tmp_path / "b.tar.gz"
    made = _run(_env(home, db_url), "backup", str(archive), "--prompts", str(prompts))
    assert made.exit_code == 0, made.output
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    with tarfile.open(archive) as tar:
        assert "home/secrets/ami_password" in tar.getnames()

    fresh, fresh_prompts = tmp_path / "fresh", tmp_path / "prompts2"
    target_db = db_url if db_url.startswith("postgresql") else None
    if target_db:  # a fresh PostgreSQL database gets the dump
        with store.session() as session:
            session.query(Contact).delete()
    rules = tmp_path / "restored_rules.yaml"
    env = _env(tmp_path / "unused", target_db, rules)
    done = _run(env, "restore", str(archive), "--home", str(fresh), "--prompts",
                str(fresh_prompts))
    assert done.exit_code == 0, done.output
    restored_url = target_db or f"sqlite:///{fresh / 'townhall.db'}"
    assert _contacts(restored_url) == ["avant-sauvegarde"]
    assert (fresh / "secrets" / "ami_password").read_text().strip() == secret
    assert (fresh / "attachments" / "r1" / "scan.pdf").read_bytes() == b"%PDF"
    assert stat.S_IMODE((fresh / "attachments" / "r1" / "scan.pdf").stat().st_mode) == 0o600
    assert (fresh_prompts / "recordings" / "goodbye.wav").read_bytes() == b"RIFF"
    assert rules.read_text() == DEFAULT_RULES.read_text()

    again = _run(env, "restore", str(archive), "--home", str(fresh))
    assert again.exit_code == 1 and "--force" in again.output
    assert os.listdir(fresh)  # nothing removed by the refusal


def test_a_linked_rules_file_is_saved_as_its_content(tmp_path: Path) -> None:
    """The shipped rules are a link in a checkout; a town may link its rules too."""
    linked = tmp_path / "rules-link.yaml"
    linked.symlink_to(DEFAULT_RULES)
    archive, env = tmp_path / "b.tar.gz", _env(tmp_path / "home", rules=linked)
    store = Store(Settings.from_env(env).db_url)
    store.migrate()
    store.dispose()
    saved = _run(env, "backup", str(archive), "--prompts", str(tmp_path / "p0"))
    assert saved.exit_code == 0, saved.output
    rules = tmp_path / "restored.yaml"
    done = _run(_env(tmp_path / "unused", rules=rules), "restore", str(archive), "--home",
                str(tmp_path / "fresh"), "--prompts", str(tmp_path / "p"))
    assert done.exit_code == 0, done.output
    assert not rules.is_symlink() and rules.read_text() == DEFAULT_RULES.read_text()
