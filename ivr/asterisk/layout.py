"""Where an Asterisk instance lives, seen from the host and from Asterisk itself.

With the private Debian-sid root, Asterisk runs under ``chroot`` and sees ``/x`` where
the host sees ``ROOT/x``; every per-instance directory must then sit inside the root.
Keeping the two views in one place stops host paths leaking into configuration files.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from ivr.settings import Settings


@dataclass(frozen=True)
class Runtime:
    """An Asterisk binary, either on the host (``root is None``) or inside a chroot."""

    binary: str
    root: Path | None = None

    def host(self, inner: str) -> Path:
        """Host path of a path as Asterisk sees it."""
        if self.root is None:
            return Path(inner)
        return self.root / inner.lstrip("/")

    def inner(self, host: Path) -> str:
        """Path as Asterisk sees it of a host path (which must be inside the root)."""
        if self.root is None:
            return str(host)
        return "/" + str(host.relative_to(self.root))

    def command(self, *args: str) -> list[str]:
        """The argv running ``asterisk args...`` in this runtime."""
        prefix = ["chroot", str(self.root)] if self.root is not None else []
        return [*prefix, self.binary, *args]

    @property
    def data_dir(self) -> Path:
        """Host path of the packaged data (sounds, documentation)."""
        return self.host("/usr/share/asterisk")

    @property
    def modules_dir(self) -> str:
        """Modules directory as Asterisk sees it (multiarch or plain layout)."""
        found = sorted(self.host("/usr/lib").glob("*/asterisk/modules"))
        found += [self.host("/usr/lib/asterisk/modules")]
        for candidate in found:
            if candidate.is_dir():
                return self.inner(candidate)
        raise FileNotFoundError("no Asterisk modules directory under /usr/lib")


def instance_id(settings: Settings) -> str:
    """A stable id per ``TOWNHALL_HOME``: another process finds the same instance."""
    return hashlib.sha1(str(settings.home).encode(), usedforsecurity=False).hexdigest()[:10]


# lib holds astvarlibdir and the astdb, data is astdatadir (sounds), moh the hold music
DIRS = ("etc", "run", "log", "spool", "lib", "data", "cache", "moh")


@dataclass(frozen=True)
class InstanceLayout:
    """The per-instance directories (host paths) of one Asterisk instance."""

    runtime: Runtime
    base: Path

    @classmethod
    def for_settings(cls, settings: Settings, runtime: Runtime) -> InstanceLayout:
        """Inside the root under ``/var/lib/townhall/<id>`` for a chroot, else the run dir."""
        if runtime.root is None:
            return cls(runtime, settings.run_dir)
        return cls(runtime, runtime.root / "var/lib/townhall" / instance_id(settings))

    def dir(self, name: str) -> Path:
        """One of the per-instance directories: etc, run, log, spool, lib, data, cache, moh."""
        if name not in DIRS:
            raise KeyError(name)
        return self.base / name

    def inner(self, host: Path) -> str:
        return self.runtime.inner(host)

    @property
    def config_file(self) -> Path:
        return self.base / "etc" / "asterisk.conf"

    @property
    def sounds_dir(self) -> Path:
        """Host directory whose files Asterisk plays as ``townhall/<name>``."""
        return self.base / "data" / "sounds" / "townhall"

    @property
    def log_path(self) -> Path:
        return self.base / "log" / "messages.log"

    @property
    def fallback_log(self) -> Path:
        """Calls the dialplan answered while the IVR was away, one line each."""
        return self.base / "spool" / "fallback-calls.log"

    @property
    def voicemail_spool(self) -> Path:
        """The town hall's voicemail boxes, ``<box>/INBOX/msgNNNN.{txt,wav,call}``."""
        return self.base / "spool" / "voicemail" / "townhall"

    def make_dirs(self) -> None:
        for name in DIRS:
            self.dir(name).mkdir(parents=True, exist_ok=True)
        self.sounds_dir.mkdir(parents=True, exist_ok=True)
        # ARI's channels/{id}/record writes here and fails (« No such file or directory »,
        # a bare 500 to the client) rather than create it
        (self.dir("spool") / "recording").mkdir(exist_ok=True)
        (self.dir("lib") / "keys").mkdir(exist_ok=True)
