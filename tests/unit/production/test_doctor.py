"""``townhall-ivr doctor``: the pure checks, then the command on a fresh home."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from click.testing import CliRunner

from ivr.cli import main
from ivr.doctor.adapters.facts import unit_facts
from ivr.doctor.checks import Facts, Finding, Level, diagnose, has_errors
from ivr.install.layout import Target, install
from tests.fixtures.rules import DEFAULT_RULES

HEALTHY = Facts(
    home=Path("/srv/townhall"), home_mode=0o700, sqlite_mode=0o600,
    secrets={"ami_password": 0o600, "ari_password": 0o600, "admin_secret_key": 0o600},
    db_migrated=True, binds={"SIP": "0.0.0.0", "ARI": "127.0.0.1", "AMI": "127.0.0.1",
                             "admin": "127.0.0.1"},
    trunk_server="203.0.113.10:5060", trunk_registration="Registered",
    config_file=Path("/etc/townhall-ivr/townhall-ivr.env"),
)


def _levels(facts: Facts) -> dict[str, Level]:
    return {f.label: f.level for f in diagnose(facts)}


def _find(findings: list[Finding], start: str) -> Finding:
    return next(f for f in findings if f.label.startswith(start))


def test_a_healthy_deployment_has_no_error_nor_warning() -> None:
    findings = diagnose(HEALTHY)
    assert {f.level for f in findings} == {Level.OK}
    assert not has_errors(findings)


def test_private_data_readable_by_others_is_an_error_with_the_command_to_fix_it() -> None:
    findings = diagnose(dataclasses.replace(
        HEALTHY, sqlite_mode=0o644, secrets={"ami_password": 0o640, "ari_password": None}))
    assert has_errors(findings)
    assert "chmod 600" in _find(findings, "Base SQLite").advice
    assert _find(findings, "Secret « ami_password »").level is Level.ERROR
    assert "vide" in _find(findings, "Secret « ari_password »").advice


def test_database_unreachable_or_not_migrated() -> None:
    down = diagnose(dataclasses.replace(HEALTHY, db_error="connection refused"))
    assert _find(down, "Base de données joignable").level is Level.ERROR
    assert not [f for f in down if f.label.startswith("Schéma")]  # nothing more to say
    old = diagnose(dataclasses.replace(HEALTHY, db_migrated=False))
    assert "townhall-ivr db upgrade" in _find(old, "Schéma").advice


def test_ari_and_ami_off_loopback_need_an_explicit_setting() -> None:
    binds = {**HEALTHY.binds, "AMI": "192.0.2.10", "ARI": "192.0.2.10"}
    levels = _levels(dataclasses.replace(HEALTHY, binds=binds, moved=frozenset({"ARI"})))
    assert levels["ARI sur la boucle locale"] is Level.WARNING  # moved on purpose: firewall it
    assert levels["AMI sur la boucle locale"] is Level.ERROR


def test_exposed_admin_without_secure_cookies_and_missing_vosk_model() -> None:
    facts = dataclasses.replace(
        HEALTHY, binds={**HEALTHY.binds, "admin": "0.0.0.0"}, vosk_model=Path("/nope"))
    findings = diagnose(facts)
    assert "TOWNHALL_ADMIN_SECURE_COOKIES=1" in _find(findings, "Administration").advice
    assert _find(findings, "Modèle vosk").level is Level.ERROR
    secure = diagnose(dataclasses.replace(facts, admin_secure_cookies=True, vosk_model=None))
    assert _find(secure, "Administration").level is Level.OK


def test_asterisk_down_is_a_warning_and_bad_rules_an_error() -> None:
    findings = diagnose(dataclasses.replace(HEALTHY, ari_error="refusé", rules_error="x:1:1: y"))
    assert _find(findings, "Asterisk joignable (ARI)").level is Level.WARNING
    assert "x:1:1: y" in _find(findings, "Règles").advice


def test_doctor_command_on_a_home_never_started(tmp_path: Path) -> None:
    env = {"TOWNHALL_HOME": str(tmp_path / "home"), "TOWNHALL_RULES": str(DEFAULT_RULES),
           "TOWNHALL_ARI_PORT": "1", "TOWNHALL_AMI_PORT": "1"}
    result = CliRunner().invoke(main, ["doctor"], env=env)
    assert result.exit_code == 1, result.output
    assert "[ ERREUR  ] Schéma de la base à jour — lancez « townhall-ivr db upgrade »" in (
        result.output)
    assert "[   ok    ] Règles d'orientation valides" in result.output
    assert not (tmp_path / "home" / "secrets").exists()  # looking changes nothing


def test_the_operator_trunk_misconfigured_refused_or_missing() -> None:
    refused = diagnose(dataclasses.replace(HEALTHY, trunk_registration="Rejected"))
    assert _find(refused, "Trunk").level is Level.ERROR
    assert "Rejected" in _find(refused, "Trunk").advice
    broken = diagnose(dataclasses.replace(HEALTHY, trunk_server=None,
                                          trunk_error="TOWNHALL_TRUNK_DIDS : 'x' …"))
    assert _find(broken, "Trunk").advice.startswith("TOWNHALL_TRUNK_DIDS")
    missing = diagnose(dataclasses.replace(HEALTHY, trunk_server=None))
    assert _find(missing, "Trunk").level is Level.WARNING
    development = diagnose(dataclasses.replace(HEALTHY, trunk_server=None, dev_trunk=True,
                                               binds={**HEALTHY.binds, "SIP": "127.0.0.1"}))
    assert {f.level for f in development} == {Level.OK}


def test_anonymous_sip_on_a_network_address_is_a_warning() -> None:
    findings = diagnose(dataclasses.replace(HEALTHY, dev_trunk=True))
    assert "TOWNHALL_DEV_TRUNK=0" in _find(findings, "SIP anonyme").advice


def test_an_installed_server_without_its_units() -> None:
    findings = diagnose(dataclasses.replace(HEALTHY, units_missing=("townhall-ivr-app@.service",)))
    assert "production install-units" in _find(findings, "Services systemd").advice
    checkout = diagnose(dataclasses.replace(HEALTHY, config_file=None,
                                            units_missing=("townhall-ivr-app@.service",)))
    assert not [f for f in checkout if f.label.startswith("Services systemd")]


def test_units_left_from_a_version_moved_program_or_failed() -> None:
    old = _find(diagnose(dataclasses.replace(HEALTHY, units_obsolete=("townhall-ivr.service",))),
                "Services systemd installés")
    assert old.level is Level.WARNING and "ancien service townhall-ivr.service" in old.advice
    moved = _find(diagnose(dataclasses.replace(
        HEALTHY, units_broken={"townhall-ivr-app@.service": "/opt/old/bin/townhall-ivr"})),
        "Services systemd installés")
    assert moved.level is Level.ERROR and "/opt/old/bin/townhall-ivr" in moved.advice
    failed = _find(diagnose(dataclasses.replace(HEALTHY, units_failed=(
        "townhall-ivr-scheduler.service",))), "Services systemd en marche")
    assert failed.level is Level.ERROR
    assert "journalctl -u townhall-ivr-scheduler.service" in failed.advice


def test_the_units_seen_on_disk(tmp_path: Path) -> None:
    """The adapter reads the units an install wrote: one removed, one pointing at a
    program that is gone, the earlier single unit left behind."""
    exe = tmp_path / "bin" / "townhall-ivr"
    exe.parent.mkdir()
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    target = Target(exe, tmp_path / "etc", tmp_path / "var", tmp_path / "systemd", "root")
    install(target)
    assert unit_facts(target.systemd) == {"units_missing": (), "units_obsolete": (),
                                      "units_broken": {}, "units_failed": ()}
    (target.systemd / "townhall-ivr-alerts.service").unlink()
    (target.systemd / "townhall-ivr.service").write_text("[Service]\n")
    app = target.systemd / "townhall-ivr-app@.service"
    app.write_text(app.read_text().replace(str(exe), "/opt/gone/townhall-ivr"))
    seen = unit_facts(target.systemd)
    assert seen["units_missing"] == ("townhall-ivr-alerts.service",)
    assert seen["units_obsolete"] == ("townhall-ivr.service",)
    assert seen["units_broken"] == {"townhall-ivr-app@.service": "/opt/gone/townhall-ivr"}


def test_sip_over_tls_certificate_key_and_expiry() -> None:
    tls = dataclasses.replace(HEALTHY, tls_port=5061, tls_key_mode=0o600, tls_days_left=3000)
    assert _find(diagnose(tls), "SIP sur TLS").level is Level.OK
    exposed = diagnose(dataclasses.replace(tls, tls_key_mode=0o644))
    assert "chmod 600" in _find(exposed, "SIP sur TLS").advice
    expiring = diagnose(dataclasses.replace(tls, tls_days_left=12))
    assert _find(expiring, "SIP sur TLS").level is Level.WARNING
    assert _find(diagnose(dataclasses.replace(tls, tls_days_left=-1)),
                 "SIP sur TLS").level is Level.ERROR
    assert _find(diagnose(dataclasses.replace(tls, tls_key_mode=None)),
                 "SIP sur TLS").level is Level.WARNING


def test_doctor_reads_the_generated_certificate(tmp_path: Path) -> None:
    from ivr.asterisk.tls import tls_pair
    from ivr.doctor.adapters.facts import gather
    from ivr.settings import Settings

    settings = Settings.from_env({"TOWNHALL_HOME": str(tmp_path), "TOWNHALL_SIP_TLS_PORT": "5061",
                                  "TOWNHALL_ARI_PORT": "1", "TOWNHALL_AMI_PORT": "1"})
    tls_pair(settings)
    facts = gather(settings)
    assert facts.tls_key_mode == 0o600 and facts.tls_days_left is not None
    assert 3600 < facts.tls_days_left <= 3650
