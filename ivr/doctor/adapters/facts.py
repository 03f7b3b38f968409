"""Gather the facts ``townhall-ivr doctor`` judges: files, store, rules, Asterisk."""

from __future__ import annotations

import os
import shlex
import socket
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TypedDict

import httpx
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.exc import SQLAlchemyError

from ivr.asterisk.process import AsteriskError, AsteriskInstance
from ivr.asterisk.tls import tls_folder
from ivr.doctor.checks import Facts
from ivr.install.layout import OBSOLETE_UNITS, Target, parse_unit, unit_names
from ivr.rules import RulesError, load_rules
from ivr.settings import Settings, connect_host
from ivr.store.db import MIGRATIONS, Store, sqlite_path

SECRETS = ("admin_secret_key", "ami_password", "ari_password")
REGISTRATION_STATES = ("Registered", "Unregistered", "Rejected", "Stopped")
_TIMEOUT = 2.0


def gather(settings: Settings) -> Facts:
    """Look at the instance without changing anything (no secret is generated)."""
    store = Store(settings.db_url, connect_timeout=_TIMEOUT)
    try:
        db_error, migrated = _database(store)
        db_file = sqlite_path(store.url)
    finally:
        store.dispose()
    moved = {name for name, value in (("ARI", settings.ari_bind), ("AMI", settings.ami_bind))
             if value}
    return Facts(
        home=settings.home,
        home_mode=_mode(settings.home),
        sqlite_mode=_mode(db_file) if db_file else None,
        secrets=_secrets(settings.home / "secrets"),
        db_error=db_error,
        db_migrated=migrated,
        rules_error=_rules(settings.rules_path),
        ari_error=_ari(settings),
        ami_error=_ami(settings),
        binds={"SIP": settings.sip_host, "ARI": settings.ari_host, "AMI": settings.ami_host,
               "admin": settings.admin_host},
        moved=frozenset(moved),
        admin_proxies=settings.admin_trusted_proxies,
        admin_secure_cookies=settings.admin_secure_cookies,
        vosk_model=settings.vosk_model,
        vosk_model_present=bool(settings.vosk_model and settings.vosk_model.is_dir()),
        **_trunk(settings),
        dev_trunk=settings.dev_trunk,
        config_file=Path(settings.config_file) if settings.config_file else None,
        **unit_facts(),
        **_tls(settings),
    )


def _tls(settings: Settings) -> _TlsFacts:
    """The TLS key's mode and the days its certificate has left (openssl reads it)."""
    if not settings.sip_tls_port:
        return {}
    folder = tls_folder(settings)
    facts: _TlsFacts = {"tls_port": settings.sip_tls_port,
                        "tls_key_mode": _mode(folder / "key.pem")}
    try:
        shown = subprocess.run(["openssl", "x509", "-noout", "-enddate", "-in",
                                str(folder / "cert.pem")], capture_output=True, text=True,
                               timeout=10, check=True).stdout
        end = datetime.strptime(shown.strip().removeprefix("notAfter="), "%b %d %H:%M:%S %Y %Z")
    except (OSError, subprocess.SubprocessError, ValueError):
        return facts
    facts["tls_days_left"] = (end.replace(tzinfo=UTC) - settings.clock.now()).days
    return facts


class _TrunkFacts(TypedDict, total=False):
    trunk_error: str | None
    trunk_server: str | None
    trunk_registration: str | None


class _TlsFacts(TypedDict, total=False):
    tls_port: int
    tls_key_mode: int | None
    tls_days_left: int | None


def _trunk(settings: Settings) -> _TrunkFacts:
    """The trunk's server and its registration state as Asterisk sees it, or its error."""
    try:
        trunk = settings.operator_trunk()
    except ValueError as exc:
        return {"trunk_error": str(exc)}
    if trunk is None:
        return {}
    return {"trunk_server": trunk.server, "trunk_registration": _registration(settings)}


def _registration(settings: Settings) -> str | None:
    instance = AsteriskInstance(settings)
    if not instance.is_running():
        return None
    try:
        shown = instance.cli("pjsip show registrations", timeout=_TIMEOUT * 5)
    except (AsteriskError, OSError, subprocess.SubprocessError):
        return None
    for line in shown.splitlines():
        if "citizen-trunk-registration/" in line:
            return next((word for word in REGISTRATION_STATES if word in line.split()), "?")
    return None


class _UnitFacts(TypedDict):
    units_missing: tuple[str, ...]
    units_obsolete: tuple[str, ...]
    units_broken: dict[str, str]
    units_failed: tuple[str, ...]


def unit_facts(folder: Path | None = None) -> _UnitFacts:
    """Which of our units (in ``folder``, else systemd's) are absent, left from an earlier
    version, point at a program that is not there, or failed (asked to systemd when it
    runs this machine)."""
    folder = folder or Target(Path(sys.executable)).systemd
    present = [name for name in unit_names() if (folder / name).is_file()]
    broken = {name: program for name in present
              if (program := _unrunnable(folder / name)) is not None}
    return {"units_missing": tuple(n for n in unit_names() if n not in present),
            "units_obsolete": tuple(n for n in OBSOLETE_UNITS if (folder / n).is_file()),
            "units_broken": broken, "units_failed": _failed(present)}


def _unrunnable(unit: Path) -> str | None:
    """The first program of the unit's Exec lines that cannot run, if any."""
    for key, commands in parse_unit(unit.read_text()).items():
        for command in commands if key.startswith("Exec") else ():
            program = shlex.split(command)[0].lstrip("-+!@:")
            if not os.access(program, os.X_OK):
                return program
    return None


def _failed(units: list[str]) -> tuple[str, ...]:
    if not units or not Path("/run/systemd/system").is_dir():  # systemd does not run here
        return ()
    try:
        states = subprocess.run(["systemctl", "is-failed", *units], capture_output=True,
                                text=True, timeout=_TIMEOUT * 5).stdout.split()
    except (OSError, subprocess.SubprocessError):
        return ()
    return tuple(unit for unit, state in zip(units, states, strict=False) if state == "failed")


def _mode(path: Path) -> int | None:
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        return None


def _secrets(folder: Path) -> dict[str, int | None]:
    found: dict[str, int | None] = {}
    for name in SECRETS:
        path = folder / name
        if path.is_file():
            found[name] = _mode(path) if path.read_text().strip() else None
    return found


def _database(store: Store) -> tuple[str | None, bool]:
    """(error, migrated to the newest revision)."""
    if sqlite_path(store.url) is not None and not store.has_schema():
        return None, False
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    heads = set(ScriptDirectory.from_config(config).get_heads())
    try:
        with store.engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except SQLAlchemyError as exc:
        return str(getattr(exc, "orig", exc)).strip().splitlines()[0], False
    return None, current == heads


def _rules(path: Path) -> str | None:
    try:
        load_rules(path)
    except RulesError as exc:
        return str(exc).splitlines()[0]
    return None


def _ari(settings: Settings) -> str | None:
    url = f"http://{connect_host(settings.ari_host)}:{settings.ari_port}/ari/asterisk/ping"
    password = (settings.home / "secrets" / "ari_password")
    auth = (settings.ari_user, password.read_text().strip()) if password.is_file() else None
    try:
        answer = httpx.get(url, auth=auth, timeout=_TIMEOUT)
    except httpx.HTTPError as exc:
        return f"ARI injoignable sur le port {settings.ari_port} ({type(exc).__name__})"
    if answer.status_code != 200:
        return f"ARI répond {answer.status_code} (identifiants ?)"
    return None


def _ami(settings: Settings) -> str | None:
    address = (connect_host(settings.ami_host), settings.ami_port)
    try:
        with socket.create_connection(address, timeout=_TIMEOUT) as sock:
            banner = sock.recv(64)
    except OSError as exc:
        return f"AMI injoignable sur le port {settings.ami_port} ({exc.strerror or exc})"
    if not banner.startswith(b"Asterisk Call Manager"):
        return f"le port {settings.ami_port} ne répond pas comme AMI"
    return None
