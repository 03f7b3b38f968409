"""``townhall-ivr rules check|reload|show`` output and exit codes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from ivr.cli.rules import rules
from ivr.settings import Settings
from tests.fixtures.rules import DEFAULT_RULES, MINIMAL, position, replaced


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.from_env({"TOWNHALL_HOME": str(tmp_path), "TOWNHALL_RULES": str(DEFAULT_RULES)})


def _run(settings: Settings, *args: str):
    return CliRunner().invoke(rules, list(args), obj=settings)


def test_check_default_file_says_ok(settings: Settings) -> None:
    result = _run(settings, "check")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok: 14 departments, 7 menus")
    assert result.output.rstrip().endswith(", 19 request types, 3 appointment calendars")


def test_check_prints_each_error_with_its_position(settings: Settings, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    text = replaced(replaced(MINIMAL, '["14:00-17:00"]', '["14:00-17:61"]'),
                    "timezone: Europe/Paris", "timezone: Nowhere/Town")
    bad.write_text(text, encoding="utf-8")
    result = _run(settings, "check", str(bad))
    assert result.exit_code == 1
    line, col = position(text, '"14:00-17:61"')
    assert f"{bad}:{line}:{col}: departments.sports.hours.mardi.0: 17:61 is not" in result.output
    line, col = position(text, "Nowhere/Town")
    assert f"{bad}:{line}:{col}: town.timezone: unknown time zone" in result.output


def test_reload_without_app_says_so(settings: Settings) -> None:
    result = _run(settings, "reload")
    assert result.exit_code == 1
    assert "no IVR app running" in result.output


def test_reload_with_a_stale_pid_says_so(settings: Settings) -> None:
    proc = subprocess.Popen(["true"])  # a pid that surely ended
    proc.wait()
    (settings.home / "run").mkdir()
    (settings.home / "run" / "ivr-app.pid").write_text(f"{proc.pid}\n")
    result = _run(settings, "reload")
    assert result.exit_code == 1
    assert "no IVR app running" in result.output


def test_reload_never_signals_a_process_that_is_not_the_ivr(settings: Settings) -> None:
    """A stale pid file reused by another process (here a sleeping child) is not trusted."""
    proc = subprocess.Popen(["sleep", "30"])
    try:
        (settings.home / "run").mkdir()
        (settings.home / "run" / "ivr-app.pid").write_text(f"{proc.pid}\n")
        result = _run(settings, "reload")
        assert result.exit_code == 1
        assert "no IVR app running" in result.output
        assert proc.poll() is None  # SIGHUP would have ended sleep
    finally:
        proc.kill()
        proc.wait()


def test_reload_signals_the_running_app(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("ivr.runfiles.is_ivr_app", lambda pid: pid == os.getpid())
    received: list[int] = []
    previous = signal.signal(signal.SIGHUP, lambda signum, frame: received.append(signum))
    try:
        (settings.home / "run").mkdir()
        (settings.home / "run" / "ivr-app.pid").write_text(f"{os.getpid()}\n")
        result = _run(settings, "reload")
    finally:
        signal.signal(signal.SIGHUP, previous)
    assert result.exit_code == 0, result.output
    assert received == [signal.SIGHUP]


def test_show_summarises_menus_and_hours(settings: Settings) -> None:
    result = _run(settings, "show")
    assert result.exit_code == 0, result.output
    assert "[principal] (14.7 s, 5 choices, stay on line)" in result.output
    assert "1 → etat-civil:" in result.output
    assert "samedi   09:00-12:00" in result.output
    data = json.loads(_run(settings, "show", "--json").output)
    assert data["schedules"]["mairie"]["lundi"] == ["08:30-12:00", "13:30-17:30"]
