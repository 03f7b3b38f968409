"""Find or build the Asterisk we run.

A system ``asterisk`` that answers ARI REST over the event websocket (20.13, 21.8,
22.3 or later: see ``ivr.telephony.ari_link``) is used as is. Otherwise we run Asterisk 22
from a private Debian-sid root built once with mmdebstrap (Debian stable ships no
Asterisk). The root is built in a temporary directory and renamed into place, so an
interrupted build never leaves a half root behind; then a few fixes make it runnable
as root under chroot and free of DNS (see docs in NOTES: PJSIP stalls on lookups).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from ivr.asterisk.layout import Runtime
from ivr.settings import Settings

log = logging.getLogger(__name__)

# The first release of each branch with ARI REST over WebSocket; later majors have it.
FIRST_WITH_REST_OVER_WS = {20: 13, 21: 8, 22: 3}
PACKAGES = (
    "asterisk",
    "asterisk-modules",
    "asterisk-core-sounds-fr-wav",
    "asterisk-prompt-fr-armelle",
)
SOURCES = (Path("/etc/apt/sources.list.d/debian.sources"), Path("/etc/apt/sources.list"))
# Directories the packages create for their own asterisk user, unknown outside the root.
OWNED_DIRS = (
    "etc/asterisk",
    "var/lib/asterisk",
    "var/log/asterisk",
    "var/spool/asterisk",
    "var/cache/asterisk",
)


class ProvisionError(RuntimeError):
    """Asterisk cannot be found nor built here."""


def asterisk_version(argv: list[str]) -> tuple[int, int] | None:
    """(major, minor) printed by ``asterisk -V`` (None if it does not run)."""
    try:
        out = subprocess.run([*argv, "-V"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r"Asterisk (\d+)\.(\d+)", out)
    return (int(match[1]), int(match[2])) if match else None


def supported(version: tuple[int, int] | None) -> bool:
    """True for an Asterisk whose ARI answers REST over the event websocket."""
    if version is None:
        return False
    major, minor = version
    first = FIRST_WITH_REST_OVER_WS.get(major)
    return major > max(FIRST_WITH_REST_OVER_WS) if first is None else minor >= first


def mirror_url(sources: tuple[Path, ...] = SOURCES) -> str:
    """The host's Debian mirror: first ``URIs:`` line (deb822), else first ``deb`` line."""
    for path in sources:
        if not path.exists():
            continue
        for line in path.read_text().splitlines():
            line = line.strip()
            if line.startswith("URIs:"):
                return line.split()[1]
            if line.startswith("deb "):
                return next(w for w in line.split()[1:] if "://" in w)
    raise ProvisionError("no Debian mirror found in " + ", ".join(map(str, sources)))


def mmdebstrap_command(target: Path, mirror: str) -> list[str]:
    """The mmdebstrap call: sid's Release file on our mirrors is older than the clock."""
    return [
        "mmdebstrap",
        "--variant=apt",
        "--include=" + ",".join(PACKAGES),
        '--aptopt=Acquire::Check-Valid-Until "false"',
        "sid",
        str(target),
        mirror,
    ]


def _ensure_mmdebstrap() -> None:
    if shutil.which("mmdebstrap"):
        return
    log.info("installing mmdebstrap with apt-get")
    subprocess.run(
        ["apt-get", "install", "-y", "--no-install-recommends", "mmdebstrap"],
        check=True,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )


def build_root(root: Path) -> None:
    """Build the Debian-sid root with Asterisk at ``root`` (about 35 s, 370 MB)."""
    _ensure_mmdebstrap()
    mirror = mirror_url()
    root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{root.name}.", dir=root.parent))
    target = staging / "root"
    log.info("building asterisk root", extra={"root": str(root), "mirror": mirror})
    try:
        subprocess.run(mmdebstrap_command(target, mirror), check=True)
        fix_root(target)
        target.rename(root)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log.info("asterisk root ready", extra={"root": str(root)})


def _inside(root: Path, relative: str) -> Path:
    """``root/relative`` with an absolute symlink on the way resolved inside the root."""
    path = root / relative
    if path.is_symlink() and os.readlink(path).startswith("/"):
        return root / os.readlink(path).lstrip("/")
    return path


def _chown_tree(path: Path) -> None:
    for folder, dirs, files in os.walk(path):
        for name in [folder, *(os.path.join(folder, n) for n in dirs + files)]:
            os.lchown(name, 0, 0)


def fix_root(root: Path) -> None:
    """Make the root runnable as root under chroot and DNS-free (idempotent)."""
    for relative in OWNED_DIRS:
        path = root / relative
        if path.exists() and path.stat().st_uid != 0:
            _chown_tree(path)
    _inside(root, "var/run").joinpath("asterisk").mkdir(parents=True, exist_ok=True)
    resolv = root / "etc/resolv.conf"
    if resolv.is_symlink() or (resolv.exists() and resolv.stat().st_size):
        resolv.unlink()
    resolv.touch()
    hosts = root / "etc/hosts"
    if "localhost" not in (hosts.read_text() if hosts.exists() else ""):
        with hosts.open("a") as handle:
            handle.write("127.0.0.1\tlocalhost\n::1\tlocalhost\n")


def provision(settings: Settings) -> Runtime:
    """Return the runtime to use, building the private root when needed."""
    if settings.asterisk_bin:
        version = asterisk_version([settings.asterisk_bin])
        if supported(version):
            log.info("using system asterisk", extra={"bin": settings.asterisk_bin,
                                                     "version": version})
            return Runtime(settings.asterisk_bin)
        log.info("system asterisk too old or not running (needs 20.13, 21.8, 22.3 or later)",
                 extra={"bin": settings.asterisk_bin, "version": version})
    if os.geteuid() != 0:
        raise ProvisionError(
            "the private Asterisk root needs root (chroot); "
            "install Asterisk 22.3 or later (or 20.13 / 21.8) or set TOWNHALL_ASTERISK"
        )
    root = settings.asterisk_root
    if not (root / "usr/sbin/asterisk").exists():
        build_root(root)
    fix_root(root)
    runtime = Runtime("asterisk", root)
    log.info("using asterisk root", extra={"root": str(root)})
    return runtime
