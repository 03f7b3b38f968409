"""A real install: units and the /etc, /var/lib layout from the package; settings read
from the configuration file the units name."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from ivr.cli import main
from ivr.install.layout import Target, install, parse_unit, plan
from ivr.package_data import DEFAULT_RULES
from ivr.settings import Settings, read_config_file

UNITS = ["townhall-ivr-admin.service", "townhall-ivr-alerts.service",
         "townhall-ivr-app@.service", "townhall-ivr-appointments.service",
         "townhall-ivr-asterisk.service", "townhall-ivr-backup.service",
         "townhall-ivr-backup.timer", "townhall-ivr-guard.service",
         "townhall-ivr-mail-reader.service", "townhall-ivr-marianne.service",
         "townhall-ivr-messages.service", "townhall-ivr-scheduler.service", "townhall-ivr.target"]


def _target(tmp_path: Path, user: str = "root") -> Target:
    # the venv's command (systemd-analyze checks that it is executable)
    exe = shutil.which("townhall-ivr", path=str(Path(sys.executable).parent)) or sys.executable
    return Target(Path(exe), tmp_path / "etc", tmp_path / "var", tmp_path / "systemd", user,
                  ivr_processes=2)


def test_dry_run_prints_every_unit_and_writes_nothing(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["production", "install-units", "--dry-run",
                                       "--etc", str(tmp_path / "etc")])
    assert result.exit_code == 0, result.output
    for unit in UNITS:
        assert f"# ---- /etc/systemd/system/{unit}" in result.output
    assert f"Environment=TOWNHALL_CONFIG={tmp_path}/etc/townhall-ivr.env" in result.output
    assert "ExecStart=" in result.output and "{" not in result.output.replace("${", "")
    assert not (tmp_path / "etc").exists()


def test_install_writes_the_layout_and_keeps_the_towns_files(tmp_path: Path) -> None:
    target = _target(tmp_path)
    target.etc.mkdir()
    target.config.write_text("TOWNHALL_SIP_BIND=192.0.2.10\n")  # the town's, kept
    done = install(target)
    assert f"gardé (existant) : {target.config}" in done
    assert target.config.read_text() == "TOWNHALL_SIP_BIND=192.0.2.10\n"
    assert (target.etc / "routing_rules.yaml").read_text() == DEFAULT_RULES.read_text()
    assert sorted(p.name for p in target.systemd.iterdir()) == UNITS
    for folder in (target.state, target.state / "backups", target.state / "prompts"):
        assert folder.stat().st_mode & 0o777 == 0o700
    units = (target.systemd / "townhall-ivr-asterisk.service").read_text()
    assert f"ReadWritePaths={target.etc} {target.state} /var/cache/townhall-ivr" in units


def test_an_upgrade_removes_the_single_unit_of_earlier_versions(tmp_path: Path) -> None:
    target = _target(tmp_path)
    target.systemd.mkdir()
    (target.systemd / "townhall-ivr.service").write_text("[Service]\nExecStart=/x run\n")
    done = install(target)
    assert any(line.startswith("supprimé") and "townhall-ivr.service" in line for line in done)
    assert sorted(p.name for p in target.systemd.iterdir()) == UNITS


def test_the_target_starts_every_service_and_each_is_part_of_it(tmp_path: Path) -> None:
    units = {item.path.name: parse_unit(item.text) for item in plan(_target(tmp_path))
             if item.path.parent == tmp_path / "systemd"}
    wanted = set(units["townhall-ivr.target"]["Wants"][0].split())
    processes = {"townhall-ivr-app@0.service", "townhall-ivr-app@1.service"}  # _target's 2
    assert wanted == set(UNITS) - {"townhall-ivr.target", "townhall-ivr-backup.service",
                                   "townhall-ivr-app@.service"} | processes
    assert units["townhall-ivr-app@.service"]["ExecStart"][0].endswith(" app --index %i")
    for name in wanted - {"townhall-ivr-backup.timer"} - processes | {"townhall-ivr-app@.service"}:
        assert "townhall-ivr.target" in units[name]["PartOf"][0], name
        assert units[name]["WantedBy"] == ["townhall-ivr.target"], name
    # the IVR and the guard need Asterisk, started and ready before them
    for name in ("townhall-ivr-app@.service", "townhall-ivr-guard.service"):
        assert units[name]["Requires"] == ["townhall-ivr-asterisk.service"]
        assert "townhall-ivr-asterisk.service" in units[name]["After"][0].split()
    assert units["townhall-ivr-asterisk.service"]["ExecStartPost"][0].endswith(
        "asterisk wait --timeout 840")
    # optional workers are skipped while unconfigured, the others always run
    assert "ExecCondition" in units["townhall-ivr-messages.service"]
    assert "ExecCondition" not in units["townhall-ivr-scheduler.service"]


def test_every_command_of_the_units_is_one_of_ours(tmp_path: Path) -> None:
    """Each ExecStart names a real command (its ``--help`` answers): no unit runs a
    command that a refactoring renamed."""
    for item in plan(_target(tmp_path)):
        if item.path.suffix != ".service" or item.path.name == "townhall-ivr-backup.service":
            continue
        unit = parse_unit(item.text)
        for key in ("ExecStart", "ExecStartPost", "ExecCondition"):
            for line in unit.get(key, []):
                argv = shlex.split(line)
                assert argv[0] == str(_target(tmp_path).exe)
                done = CliRunner().invoke(main, [*argv[1:], "--help"])
                assert done.exit_code == 0, (item.path.name, line, done.output)


def test_only_configured_optional_workers_are_needed(tmp_path: Path) -> None:
    env = {"TOWNHALL_HOME": str(tmp_path)}
    runner = CliRunner()
    skipped = runner.invoke(main, ["production", "worker-needed", "messages"], env=env)
    assert skipped.exit_code == 1 and "non configuré" in skipped.output
    needed = runner.invoke(main, ["production", "worker-needed", "messages"],
                           env={**env, "TOWNHALL_SMTP_HOST": "127.0.0.1"})
    assert needed.exit_code == 0, needed.output
    assert runner.invoke(main, ["production", "worker-needed", "scheduler"],
                         env=env).exit_code == 0
    unknown = runner.invoke(main, ["production", "worker-needed", "nope"], env=env)
    assert unknown.exit_code == 1 and "service inconnu : nope" in unknown.output


def test_the_env_file_points_settings_at_etc_and_var_lib(tmp_path: Path) -> None:
    target = _target(tmp_path, user="townhall-ivr")
    env = next(item.text for item in plan(target) if item.path == target.config)
    config = tmp_path / "townhall-ivr.env"
    config.write_text(env)
    settings = Settings.from_env({"TOWNHALL_CONFIG": str(config), "TOWNHALL_LOG_FORMAT": "text"})
    assert settings.home == target.state
    assert settings.rules_path == target.etc / "routing_rules.yaml"
    assert settings.prompts_dir == target.state / "prompts"
    assert not settings.dev_trunk
    assert settings.log_format == "text"  # the environment wins over the file
    assert Settings.from_env(settings.to_env()) == settings


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_systemd_accepts_the_units(tmp_path: Path) -> None:
    target = _target(tmp_path)
    install(target)
    units = sorted(str(p) for p in target.systemd.iterdir())
    done = subprocess.run(["systemd-analyze", "verify", *units], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0 and "townhall" not in done.stderr, done.stderr


@pytest.mark.parametrize(("text", "where"), [
    ("TOWNHALL_HOME=/srv\nexport TOWNHALL_X=1\n", ":2:"),
    ("# ok\n\nPATH=/bin\n", ":3:"),
    ("TOWNHALL_HOME\n", ":1:"),
])  # fmt: skip
def test_a_bad_configuration_file_says_where_in_french(
        tmp_path: Path, text: str, where: str) -> None:
    config = tmp_path / "townhall-ivr.env"
    config.write_text(text)
    with pytest.raises(ValueError, match=f"townhall-ivr.env{where} attendu TOWNHALL_NOM=valeur"):
        read_config_file(config)
    result = CliRunner().invoke(main, ["rules", "check"], env={"TOWNHALL_CONFIG": str(config)})
    assert result.exit_code == 1 and "attendu TOWNHALL_NOM=valeur" in result.output
    assert "Traceback" not in result.output


def test_quotes_and_comments_in_the_configuration_file(tmp_path: Path) -> None:
    config = tmp_path / "c.env"
    config.write_text('# réglages\nTOWNHALL_SMS_SENDER="Mairie de Bourg"\n'
                      "TOWNHALL_MAIL_FROM = 'mairie@example.org'\n")
    assert read_config_file(config) == {"TOWNHALL_SMS_SENDER": "Mairie de Bourg",
                                        "TOWNHALL_MAIL_FROM": "mairie@example.org"}
    missing = CliRunner().invoke(main, ["rules", "check"],
                                 env={"TOWNHALL_CONFIG": str(tmp_path / "absent.env")})
    assert missing.exit_code == 1 and "illisible" in missing.output


def test_an_agents_phone_password_shown_and_rotated(tmp_path: Path) -> None:
    env = {"TOWNHALL_HOME": str(tmp_path / "home"), "TOWNHALL_RULES": str(DEFAULT_RULES)}
    shown = CliRunner().invoke(main, ["production", "agent-password", "agent-accueil-1"], env=env)
    assert shown.exit_code == 0, shown.output
    secret = tmp_path / "home" / "secrets" / "sip-agent-accueil-1"
    first = secret.read_text().strip()
    assert shown.output.splitlines()[0] == f"agent-accueil-1 : {first}"
    rotated = CliRunner().invoke(main, ["production", "agent-password", "agent-accueil-1",
                                        "--rotate"], env=env)
    assert rotated.exit_code == 0 and first not in rotated.output
    assert secret.read_text().strip() in rotated.output and "prochain démarrage" in rotated.output
    unknown = CliRunner().invoke(main, ["production", "agent-password", "nobody"], env=env)
    assert unknown.exit_code == 1 and "n'est pas un agent" in unknown.output
