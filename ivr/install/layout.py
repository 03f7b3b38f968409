"""What ``townhall-ivr production install-units`` puts on a server, and putting it there.

Settings live in ``/etc/townhall-ivr`` (the env file the units name through
``TOWNHALL_CONFIG``, the rules), data in ``/var/lib/townhall-ivr`` (store, secrets,
recordings, backups), units in ``/etc/systemd/system``. The unit templates and the
default files ship in the package (``ivr/data``). A town's own files (the env file,
the rules) are written once and never overwritten; the units are the software's and
are rewritten on each install.
"""

from __future__ import annotations

import os
import pwd
import shutil
from dataclasses import dataclass
from pathlib import Path

from ivr.package_data import DEFAULT_RULES, shipped

ENV_FILE = "townhall-ivr.env"
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


def _fill(template: str, target: Target) -> str:
    # running as root means the private Asterisk root: its cache is written too
    extra = f" {ASTERISK_CACHE}" if target.user == "root" else ""
    return template.format(exe=target.exe, config=target.config, etc=target.etc,
                           state=target.state, user=target.user, extra_paths=extra)


def plan(target: Target) -> list[Planned]:
    """Every file of the install, units first."""
    units = sorted(shipped("systemd").iterdir())
    files = [Planned(target.systemd / unit.name, _fill(unit.read_text(), target), 0o644, False)
             for unit in units]
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
