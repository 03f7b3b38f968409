"""A throwaway PostgreSQL server for a test run: a cluster of its own in memory
(``/dev/shm``), on a free port, without ``fsync``.

The suite creates and drops a database for each test that runs on PostgreSQL; on the
machine's server every one waits on the disk (about 1.5 s to create and 1.8 s to drop,
measured on a CI machine with the suite running), on this one a few milliseconds. The
machine's PostgreSQL binaries are used (Debian's ``postgresql`` package, which
``scripts/bootstrap --with-postgres`` installs); as root the server runs as the
``postgres`` user, which PostgreSQL requires.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from townhall_support.ports import free_port

BIN_DIRS = "/usr/lib/postgresql/*/bin"
# Durability is pointless for a scratch server: nothing in it outlives the run.
SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",
            "max_connections": "300", "listen_addresses": "127.0.0.1"}


def binaries() -> Path | None:
    """The newest installed PostgreSQL's ``bin`` folder, or None."""
    found = sorted(Path("/").glob(BIN_DIRS.lstrip("/")),
                   key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0)
    return found[-1] if found and (found[-1] / "initdb").exists() else None


def _as_owner(command: list[str]) -> list[str]:
    """``command`` as the ``postgres`` user when we are root (PostgreSQL refuses root)."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _scratch_folder() -> Path:
    """A private folder in memory when there is one, owned by whoever runs the server."""
    base = "/dev/shm" if Path("/dev/shm").is_dir() else None
    folder = Path(tempfile.mkdtemp(prefix="townhall-pg-", dir=base))
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(folder, owner.pw_uid, owner.pw_gid)
    return folder


@contextlib.contextmanager
def private_server(bin_dir: Path) -> Iterator[int]:
    """Start a fresh cluster (trust authentication, user ``postgres``) and yield its
    port; stop it and delete it at the end."""
    folder = _scratch_folder()
    data, port = folder / "data", free_port()
    options = " ".join(f"-c {key}={value}" for key, value in
                       {**SETTINGS, "port": str(port), "unix_socket_directories": str(folder)}
                       .items())
    try:
        subprocess.run(_as_owner([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres",
                                  "--auth=trust", "-E", "UTF8", "--no-sync"]),
                       check=True, capture_output=True, timeout=120)
        subprocess.run(_as_owner([str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options,
                                  "-l", str(folder / "server.log"), "-w", "-t", "120",
                                  "start"]),
                       check=True, capture_output=True, timeout=150)
        yield port
    finally:
        subprocess.run(_as_owner([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate",
                                  "stop"]), capture_output=True, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)
