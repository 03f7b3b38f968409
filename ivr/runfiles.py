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
