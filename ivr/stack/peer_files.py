"""The IVR processes' statuses and takeover locks, as small files in ``$TOWNHALL_HOME/run``.

All the processes of one stack run on one machine under one supervisor, so files are
enough: a status is replaced atomically (written aside, then renamed), and taking over
a dead process's call is a file created with ``O_EXCL``, which exactly one process wins.
Between two statuses, each process appends the playbacks it starts to a journal.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from ivr.runfiles import (
    app_playbacks_path,
    app_playbacks_paths,
    app_ready_path,
    app_status_path,
    live_pid,
    pid_alive,
)
from ivr.settings import Settings
from ivr.stack.peers import PeerStatus

LOCK_DIR = "takeovers"
LOCK_KEEP = 86_400.0  # seconds: a takeover lock outlives any call
JOURNAL_KEEP = 600.0  # seconds: a dead process's calls are taken over well within


def write_status(settings: Settings, status: PeerStatus) -> None:
    """Replace process ``status.index``'s status file (readers never see half of it)."""
    path = app_status_path(settings, status.index)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    tmp.write_text(json.dumps({
        "index": status.index, "pid": status.pid, "calls": status.calls,
        "last_event": status.last_event, "updated": status.updated, "lag": status.lag,
        "playbacks": dict(status.playbacks), "facts_since": status.facts_since,
        "facts_through": status.facts_through}))
    os.replace(tmp, path)


def read_status(settings: Settings, index: int) -> PeerStatus | None:
    """Process ``index`` as it last wrote itself, ready only if that pid is the live
    ready one (None: it never started here)."""
    try:
        data = json.loads(app_status_path(settings, index).read_text())
        pid = int(data["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    ready = live_pid(app_ready_path(settings, index)) == pid
    return PeerStatus(index, pid, ready, int(data.get("calls") or 0), data.get("last_event"),
                      float(data.get("updated") or 0.0), float(data.get("lag") or 0.0),
                      dict(data.get("playbacks") or {}), alive=ready or pid_alive(pid),
                      facts_since=_stamp(data.get("facts_since")),
                      facts_through=_stamp(data.get("facts_through")))


def _stamp(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def read_statuses(settings: Settings) -> list[PeerStatus]:
    """Every configured process that ever started under this home."""
    found = (read_status(settings, i) for i in range(settings.ivr_processes))
    return [status for status in found if status is not None]


class PlaybackJournal:
    """The playbacks this process started since it last wrote its status, one line
    each, appended before Asterisk is asked to play. A status is written four times a
    second; a process killed in between leaves a prompt its peer cannot name from the
    status, and Asterisk moves a channel only once its prompt is over. Appending costs a
    write to the page cache (kept through kill -9); ``reset`` empties the journal right
    after each status, in the same step of the event loop, so no playback falls between."""

    def __init__(self, settings: Settings, index: int) -> None:
        path = app_playbacks_path(settings, index, os.getpid())
        path.parent.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_TRUNC, 0o600)

    def note(self, call: str, playback: str) -> None:
        if self.fd >= 0:  # closed: the process is stopping, its calls play on
            os.write(self.fd, f"{call} {playback}\n".encode())

    def reset(self) -> None:
        if self.fd >= 0:
            os.ftruncate(self.fd, 0)

    def close(self) -> None:
        """Stop writing; the file stays for a peer that takes this process's calls over."""
        fd, self.fd = self.fd, -1
        if fd >= 0:
            os.close(fd)


def read_journal(settings: Settings, index: int, pid: int) -> dict[str, str]:
    """Each call's last playback in process ``index``'s journal (pid ``pid``)."""
    try:
        text = app_playbacks_path(settings, index, pid).read_text(errors="replace")
    except OSError:
        return {}
    found: dict[str, str] = {}
    for line in text.splitlines():
        call, _, playback = line.partition(" ")
        if call and playback:
            found[call] = playback
    return found


def sweep_journals(settings: Settings, index: int, now: float | None = None) -> int:
    """Remove the journals of process ``index``'s dead predecessors once nobody can
    still be taking their calls over (older than ``JOURNAL_KEEP``)."""
    cutoff = (time.time() if now is None else now) - JOURNAL_KEEP
    removed = 0
    for pid, path in app_playbacks_paths(settings, index).items():
        try:
            if not pid_alive(pid) and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    return removed


def _lock(settings: Settings, channel_id: str, generation: int) -> Path:
    return settings.home / "run" / LOCK_DIR / f"{channel_id}.{generation}"


def take_orphan(settings: Settings, channel_id: str, generation: int) -> bool:
    """True for the one process that takes over ``channel_id``, left by the process
    ``generation`` (its pid: a call left again later by another process is a new lock)."""
    path = _lock(settings, channel_id, generation)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return False
    os.close(fd)
    return True


def release_orphan(settings: Settings, channel_id: str, generation: int) -> None:
    """Give a takeover up (it failed half-way): the next look, or the restarted
    process, tries again."""
    _lock(settings, channel_id, generation).unlink(missing_ok=True)


def sweep_takeovers(settings: Settings, now: float | None = None) -> int:
    """Remove takeover locks older than ``LOCK_KEEP`` (at start: they only pile up)."""
    cutoff = (time.time() if now is None else now) - LOCK_KEEP
    removed = 0
    for path in (settings.home / "run" / LOCK_DIR).glob("*"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    return removed
