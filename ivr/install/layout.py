"""What ``townhall-ivr production install-units`` puts on a server, and putting it there.

Settings live in ``/etc/townhall-ivr`` (the env file the units name through
``TOWNHALL_CONFIG``, the rules), data in ``/var/lib/townhall-ivr`` (store, secrets,
recordings, backups), units in ``/etc/systemd/system``. The unit templates and the
default files ship in the package (``ivr/data``). A town's own files (the env file,
the rules) are written once and never overwritten; the units are the software's and
are rewritten on each install.

Each component is its own unit, grouped by ``townhall-ivr.target``: Asterisk, the IVR
application (``Requires`` Asterisk), the admin, one unit per background worker of
``ivr.stack.workers`` (the callback scheduler first), the SIP guard and the nightly
backup's timer. Each ``ExecStart`` runs one ``townhall-ivr`` command in the foreground.
"""

from __future__ import annotations

import os
import pwd
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from ivr.package_data import DEFAULT_RULES, shipped
from ivr.settings import default_ivr_processes
from ivr.stack.workers import WORKERS, Worker

ENV_FILE = "townhall-ivr.env"
TARGET_UNIT = "townhall-ivr.target"
APP_TEMPLATE = "townhall-ivr-app@.service"  # one instance per IVR process
# units of earlier versions, removed by an install (one unit ran the whole stack)
OBSOLETE_UNITS = ("townhall-ivr.service",)
# The private Asterisk root (chroot) and its build cache, written by the main service.
ASTERISK_CACHE = "/var/cache/townhall-ivr"


@dataclass(frozen=True)
class Target:
    """Where an install goes, and as whom the services run."""

    exe: Path  # the installed ``townhall-ivr`` command
    etc: Path = Path("/etc/townhall-ivr")
    state: Path = Path("/var/lib/townhall-ivr")
    systemd: Path = Path("/etc/systemd/system")
    user: str = "townhall-ivr"
    ivr_processes: int = field(default_factory=default_ivr_processes)

    @property
    def config(self) -> Path:
        return self.etc / ENV_FILE


@dataclass(frozen=True)
class Planned:
    """One file of the install: its text, its mode, and whether an existing one stays."""

    path: Path
    text: str
    mode: int
    keep_existing: bool


def _fill(template: str, target: Target, **more: str) -> str:
    # running as root means the private Asterisk root: its cache is written too
    extra = f" {ASTERISK_CACHE}" if target.user == "root" else ""
    return template.format(exe=target.exe, config=target.config, etc=target.etc,
                           state=target.state, user=target.user, extra_paths=extra, **more)


def _worker_unit(worker: Worker, target: Target) -> Planned:
    """A worker's unit; an optional one is skipped (not failed) while unconfigured."""
    condition = (f"ExecCondition={target.exe} production worker-needed {worker.name}\n"
                 if worker.optional else "")
    text = _fill(shipped("systemd-worker.service").read_text(), target,
                 description=worker.description, command=" ".join(worker.args),
                 condition=condition)
    return Planned(target.systemd / worker.unit, text, 0o644, False)


def parse_unit(text: str) -> dict[str, list[str]]:
    """A unit's ``Key=value`` lines, each key with its values in order (``Exec*`` may
    repeat; our units never repeat a key across sections, so sections are merged)."""
    found: dict[str, list[str]] = {}
    for line in text.splitlines():
        if not line or line.startswith(("#", ";", "[")):
            continue
        key, _, value = line.partition("=")
        found.setdefault(key.strip(), []).append(value.strip())
    return found


def unit_names() -> list[str]:
    """Every unit an install writes."""
    return sorted([unit.name for unit in shipped("systemd").iterdir()]
                  + [w.unit for w in WORKERS])


def app_units(processes: int) -> list[str]:
    """The IVR processes' units: ``townhall-ivr-app@0.service``…"""
    return [APP_TEMPLATE.replace("@", f"@{index}") for index in range(processes)]


def plan(target: Target) -> list[Planned]:
    """Every file of the install, units first."""
    wanted = " ".join([*(name for name in unit_names()
                         if name not in (TARGET_UNIT, APP_TEMPLATE, "townhall-ivr-backup.service")),
                       *app_units(target.ivr_processes)])
    files = [Planned(target.systemd / unit.name,
                     _fill(unit.read_text(), target, wants=wanted), 0o644, False)
             for unit in shipped("systemd").iterdir()]
    files += [_worker_unit(worker, target) for worker in WORKERS]
    files.sort(key=lambda item: item.path.name)
    env = _fill(shipped(ENV_FILE).read_text(), target)
    files.append(Planned(target.config, env, 0o640, True))
    files.append(Planned(target.etc / "routing_rules.yaml", DEFAULT_RULES.read_text(), 0o640,
                         True))
    return files


def install(target: Target) -> list[str]:
    """Write the planned files and make the data folders (0700, the service's); returns
    what was done, one French line each."""
    done: list[str] = []
    owner = _owner(target.user)
    for folder in (target.state, target.state / "backups", target.state / "prompts"):
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        _chown(folder, owner)
    # the service reads its settings there and the admin publishes the rules there
    target.etc.mkdir(parents=True, exist_ok=True)
    target.etc.chmod(0o750)
    _chown(target.etc, owner)
    for name in OBSOLETE_UNITS:
        if (target.systemd / name).is_file():
            (target.systemd / name).unlink()
            done.append(f"supprimé (remplacé par {TARGET_UNIT}) : {target.systemd / name}")
    for item in plan(target):
        if item.keep_existing and item.path.exists():
            done.append(f"gardé (existant) : {item.path}")
            continue
        item.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = item.path.with_name(f".{item.path.name}.tmp")
        tmp.write_text(item.text)
        tmp.chmod(item.mode)
        os.replace(tmp, item.path)
        if item.keep_existing:
            _chown(item.path, owner)  # the admin publishes rules as the service's user
        done.append(f"écrit : {item.path}")
    return done


def _owner(user: str) -> tuple[int, int] | None:
    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        return None
    return entry.pw_uid, entry.pw_gid


def _chown(path: Path, owner: tuple[int, int] | None) -> None:
    if owner is not None and os.geteuid() == 0:
        shutil.chown(path, *owner)
