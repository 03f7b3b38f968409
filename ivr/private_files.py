"""Files holding secrets or citizens' data: created private, written atomically.

Several processes (the IVR, the admin, the CLI) may want the same secret at the same
instant: one writes it to a private temporary file, fsyncs it and links it into place
(``os.link`` fails if another process won the race), so a reader never sees a file that
exists but is still empty; the losers read the winner's value.
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

PRIVATE_UMASK = 0o077
_WAIT_SECONDS = 5.0


def private_umask() -> None:
    """Make every file this process creates readable by its owner only.

    Called by the processes that write citizens' data under ``settings.home`` (SQLite
    database and its WAL, spool, attachments, recordings, backups)."""
    os.umask(PRIVATE_UMASK)


def make_private_dir(path: Path) -> Path:
    """Create ``path`` (mode 0700) if needed and return it."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def write_new_private(path: Path, data: bytes) -> None:
    """Create ``path`` (it must not exist) with ``data``, mode 0600, fsynced."""
    make_private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def _read_nonempty(path: Path) -> str | None:
    try:
        value = path.read_text().strip()
    except FileNotFoundError:
        return None
    return value or None


def read_or_create_secret(path: Path) -> str:
    """The secret in ``path``; generated (mode 0600) by the first process that asks."""
    if (value := _read_nonempty(path)) is not None:
        return value
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    write_new_private(tmp, (secrets.token_urlsafe(24) + "\n").encode())
    try:
        os.link(tmp, path)  # atomic and exclusive: fails when another process won
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return _wait_for_secret(path)


def _wait_for_secret(path: Path) -> str:
    """Read the secret in place; an empty file (an older writer's crash) is an error."""
    deadline = time.monotonic() + _WAIT_SECONDS
    while (value := _read_nonempty(path)) is None:
        if time.monotonic() > deadline:
            raise RuntimeError(f"secret file {path} is empty: delete it to regenerate it")
        time.sleep(0.01)
    return value
