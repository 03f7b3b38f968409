"""Durable spool of store operations, kept until the database has committed them.

Callers append JSON lines to the open segment (write + flush: the op survives a crash
of the process as soon as ``append`` returns). The writer thread ``seal``s the open
segment (fsync, then a new segment is opened), applies sealed segments in order and
``remove``s each one only after its transaction committed. Segments left by a previous
process are sealed segments like any other, so recovery is the normal path.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any

log = logging.getLogger(__name__)

Op = dict[str, Any]


class SpoolLocked(RuntimeError):
    """Another process already writes through this spool directory."""


class Spool:
    """Numbered ``*.jsonl`` segments in one directory, owned by one process."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._lock_file = self._take_lock()
        self._mutex = threading.Lock()
        self._sealed = sorted(self.directory.glob("[0-9]*.jsonl"), key=_number)
        self.pending = sum(_count_lines(path) for path in self._sealed)
        last = _number(self._sealed[-1]) if self._sealed else 0
        self._next = last + 1
        self._open: IO[str] | None = None
        self._open_count = 0

    def _take_lock(self) -> IO[str]:
        handle = (self.directory / "spool.lock").open("w")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            handle.close()
            raise SpoolLocked(f"spool {self.directory} is used by another process") from exc
        return handle

    def append(self, op: Op) -> None:
        """Write one op to the open segment; it is on disk (page cache) on return."""
        line = json.dumps(op, ensure_ascii=False, separators=(",", ":"), default=_encode) + "\n"
        with self._mutex:
            if self._open is None:
                self._open = (self.directory / f"{self._next:012d}.jsonl").open("a")
                self._next += 1
            self._open.write(line)
            self._open.flush()
            self._open_count += 1
            self.pending += 1

    def seal(self) -> list[Path]:
        """Close the open segment (fsynced) and return every sealed segment, oldest first."""
        with self._mutex:
            handle, self._open, self._open_count = self._open, None, 0
        if handle is not None:
            os.fsync(handle.fileno())
            handle.close()
            self._sealed.append(Path(handle.name))
        return list(self._sealed)

    def remove(self, segment: Path) -> None:
        """Forget a sealed segment whose ops are committed."""
        count = _count_lines(segment)
        segment.unlink()
        self._sealed.remove(segment)
        with self._mutex:
            self.pending -= count

    def save_seqs(self, seqs: dict[str, int]) -> None:
        """Remember the last seq of calls still in progress, for a process that takes over.

        Written before the sealed segments are committed and deleted, so every seq ever
        handed out is either in a segment or in this file. No fsync: the segments carry
        the durability; this only keeps a call's history in order across a restart.
        """
        temporary = self.directory / "seqs.json.tmp"
        temporary.write_text(json.dumps(seqs))
        os.replace(temporary, self.directory / "seqs.json")

    def load_seqs(self) -> dict[str, int]:
        """The seqs saved by the previous process (empty on a first start)."""
        path = self.directory / "seqs.json"
        return json.loads(path.read_text()) if path.exists() else {}

    def close(self) -> None:
        """Seal the open segment and release the directory."""
        self.seal()
        self._lock_file.close()


def read_segment(segment: Path) -> list[Op]:
    """The ops of a segment; a torn last line (crash mid-write) is skipped and logged."""
    return list(_parse(segment))


def _parse(segment: Path) -> Iterator[Op]:
    with segment.open() as handle:
        for number, line in enumerate(handle, 1):
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                log.warning(
                    "spool line unreadable, skipped",
                    extra={"segment": segment.name, "line": number},
                )


def _encode(value: object) -> str:
    """Event data may carry datetimes (e.g. a queue join time): ISO text in the spool."""
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _number(path: Path) -> int:
    return int(path.stem)


def _count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for _ in handle)
