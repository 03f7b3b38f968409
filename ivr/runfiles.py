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


def _app_stem(index: int) -> str:
    """Process 0 keeps the names of the single-process days (scripts read them)."""
    return "ivr-app" if index == 0 else f"ivr-app-{index}"


def app_pid_path(settings: Settings, index: int = 0) -> Path:
    """IVR application process ``index`` (SIGHUP reloads its rules)."""
    return settings.home / "run" / f"{_app_stem(index)}.pid"


def app_ready_path(settings: Settings, index: int = 0) -> Path:
    """Written with the pid once the IVR takes calls: Asterisk's application list is no
    proof, since it keeps a crashed application listed while calls are held in it."""
    return settings.home / "run" / f"{_app_stem(index)}.ready"


def app_status_path(settings: Settings, index: int = 0) -> Path:
    """What IVR process ``index`` is doing (``ivr.stack.peers``): its peers read it to
    spread calls, ``status`` and the admin to show it."""
    return settings.home / "run" / f"{_app_stem(index)}.json"


def app_playbacks_path(settings: Settings, index: int, pid: int) -> Path:
    """The playbacks IVR process ``index`` (pid ``pid``) started since its last status:
    a peer taking its calls over stops them (``ivr.stack.peer_files.PlaybackJournal``)."""
    return settings.home / "run" / f"{_app_stem(index)}.{pid}.playbacks"


def app_playbacks_paths(settings: Settings, index: int) -> dict[int, Path]:
    """Every playback journal of process ``index``, by the pid that wrote it."""
    found = (settings.home / "run").glob(f"{_app_stem(index)}.*.playbacks")
    return {int(path.name.split(".")[-2]): path for path in found
            if path.name.split(".")[-2].isdigit()}


def ready_app_pids(settings: Settings) -> list[int]:
    """The pids of the IVR processes taking calls now."""
    found = (live_pid(app_ready_path(settings, i)) for i in range(settings.ivr_processes))
    return [pid for pid in found if pid is not None]


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` exists (another user's counts)."""
    try:
        os.kill(pid, 0)
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def live_pid(path: Path) -> int | None:
    """The pid recorded in ``path`` if that process is alive (another user's counts)."""
    try:
        pid = int(path.read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if pid_alive(pid) else None


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


def is_ivr_app(pid: int) -> bool:
    """Whether ``pid`` is one of our IVR processes (``townhall-ivr app``)."""
    return _runs(pid, b"app")


def ivr_app_pids(settings: Settings) -> list[int]:
    """The live IVR processes' pids, each checked to be ours before anyone signals it."""
    found = (live_pid(app_pid_path(settings, i)) for i in range(settings.ivr_processes))
    return [pid for pid in found if pid is not None and is_ivr_app(pid)]


def stack_pid(settings: Settings) -> int | None:
    """The live supervisor's pid (``townhall-ivr run``), checked to be ours before
    ``down`` signals it (and kills it if it does not stop)."""
    return _our_pid(stack_pid_path(settings), b"run")
