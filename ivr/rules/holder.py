"""The live rules of a running IVR, swapped atomically on reload.

A call takes ``holder.current`` once when it starts and keeps that object: a reload
never changes the menus under a caller's feet. An invalid file is refused with its
errors logged, and the previous rules stay live.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable
from pathlib import Path

from watchfiles import Change, awatch

from ivr.rules.loader import RulesError, load_rules_text, read_rules_file
from ivr.rules.schema import Rules

log = logging.getLogger(__name__)


def _read(path: Path) -> tuple[Rules, str]:
    """Load the file and fingerprint the exact text that was validated."""
    text = read_rules_file(path)
    return load_rules_text(text, str(path)), hashlib.sha256(text.encode()).hexdigest()


class RulesHolder:
    """Holds the current ``Rules`` and its content hash; raises if the first load fails."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._live: tuple[Rules, str] = _read(self.path)
        self.last_error: RulesError | None = None

    @property
    def current(self) -> Rules:
        return self._live[0]

    @property
    def version(self) -> str:
        """sha256 of the file content the current rules came from."""
        return self._live[1]

    def reload(self) -> bool:
        """Re-read the file; True when new rules went live, False if unchanged or refused."""
        try:
            rules, version = _read(self.path)
        except RulesError as exc:
            self.last_error = exc
            log.error("rules refused, previous rules stay live",
                      extra={"path": str(self.path), "issues": len(exc.issues), "errors": str(exc)})
            return False
        self.last_error = None
        if version == self.version:
            return False
        self._live = (rules, version)  # one assignment: readers see old or new, never a mix
        log.info("rules reloaded", extra={"path": str(self.path), "version": version[:12]})
        return True


async def watch(holder: RulesHolder, on_reload: Callable[[], None] | None = None,
                stop_event: asyncio.Event | None = None) -> None:
    """Reload whenever the rules file changes, until cancelled or ``stop_event`` is set.

    The directory is watched, not the file: editors and the admin replace the file by
    renaming a new one over it, which a watch on the old inode would miss.
    """
    name = holder.path.name

    def is_rules_file(change: Change, changed: str) -> bool:
        return Path(changed).name == name

    async for _ in awatch(holder.path.parent, watch_filter=is_rules_file, recursive=False,
                          stop_event=stop_event):
        if await asyncio.to_thread(holder.reload) and on_reload is not None:
            on_reload()
