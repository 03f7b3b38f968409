"""``townhall-ivr asterisk start|status|cli|stop`` against a real Asterisk."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from ivr.asterisk.process import AsteriskInstance
from ivr.cli.asterisk import asterisk
from tests.fixtures.asterisk import discard, make_asterisk_settings

pytestmark = pytest.mark.e2e


def test_start_status_cli_stop(tmp_path_factory: pytest.TempPathFactory) -> None:
    settings = make_asterisk_settings(tmp_path_factory)
    runner = CliRunner()
    try:
        started = runner.invoke(asterisk, ["start"], obj=settings)
        assert started.exit_code == 0, started.output
        assert f"127.0.0.1:{settings.ari_port}" in started.output
        assert runner.invoke(asterisk, ["status"], obj=settings).exit_code == 0
        version = runner.invoke(asterisk, ["cli", "core show version"], obj=settings)
        assert version.output.startswith("Asterisk 2")
        assert runner.invoke(asterisk, ["stop"], obj=settings).exit_code == 0
        assert runner.invoke(asterisk, ["status"], obj=settings).exit_code == 1
    finally:
        discard(AsteriskInstance(settings))
