"""Where the running processes leave their marks, in ``$TOWNHALL_HOME/run``.

The stack supervisor, the IVR application, ``rules reload``, ``status`` and the admin
find each other through these files.
"""

from __future__ import annotations

import os
from pathlib import Path

from ivr.settings import Settings


def stack_pid_path(settings: Settings) -> Path:
    """The supervisor behind ``make run`` / ``townhall-ivr up``."""
    return settings.home / "run" / "stack.pid"


def app_pid_path(settings: Settings) -> Path:
    """The IVR application process (SIGHUP reloads its rules)."""
    return settings.home / "run" / "ivr-app.pid"


def app_ready_path(settings: Settings) -> Path:
    """Written with the pid once the IVR takes calls: Asterisk's application list is no
    proof, since it keeps a crashed application listed while calls are held in it."""
    return settings.home / "run" / "ivr-app.ready"


def live_pid(path: Path) -> int | None:
    """The pid recorded in ``path`` if that process is alive (another user's counts)."""
    try:
        pid = int(path.read_text().strip())
        os.kill(pid, 0)
    except PermissionError:
        return pid
    except (OSError, ValueError):
        return None
    return pid


def _runs(pid: int, command: bytes) -> bool:
    """Whether ``pid`` runs ``townhall-ivr COMMAND`` (``python -m ivr.cli COMMAND`` or the
    script): a stale pid file may name any process, reused by the system since."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    launcher = any(a.endswith((b"townhall-ivr", b"ivr.cli")) for a in argv)
    return launcher and command in argv


def _our_pid(path: Path, command: bytes) -> int | None:
    pid = live_pid(path)
    return pid if pid is not None and _runs(pid, command) else None


def ivr_app_pid(settings: Settings) -> int | None:
    """The live IVR application's pid, checked to be ours before anyone signals it."""
    return _our_pid(app_pid_path(settings), b"app")


def stack_pid(settings: Settings) -> int | None:
    """The live supervisor's pid (``townhall-ivr run``), checked to be ours before
    ``down`` signals it (and kills it if it does not stop)."""
    return _our_pid(stack_pid_path(settings), b"run")
