"""Secrets and citizens' data are private files; concurrent first use never sees empty."""

from __future__ import annotations

import multiprocessing
import stat
from pathlib import Path
from typing import Any

import pytest

from ivr.private_files import read_or_create_secret, write_new_private
from ivr.store.db import Store


def _read(path: Path, start: Any, out: Any) -> None:
    start.wait()
    out.put(read_or_create_secret(path))


def test_concurrent_first_use_gives_one_non_empty_secret(tmp_path: Path) -> None:
    """Eight processes racing 10 times: one value each time, never empty, mode 0600."""
    ctx = multiprocessing.get_context("fork")
    for trial in range(10):
        path = tmp_path / "secrets" / f"s{trial}"
        start, out = ctx.Event(), ctx.Queue()
        procs = [ctx.Process(target=_read, args=(path, start, out)) for _ in range(8)]
        for proc in procs:
            proc.start()
        start.set()
        values = [out.get(timeout=30) for _ in procs]
        for proc in procs:
            proc.join()
        assert len(set(values)) == 1 and values[0]
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]


def test_write_new_private_creates_mode_0600_once(tmp_path: Path) -> None:
    target = tmp_path / "home" / "x.json"
    write_new_private(target, b"one")
    with pytest.raises(FileExistsError):
        write_new_private(target, b"two")
    assert target.read_bytes() == b"one"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700


def test_sqlite_store_and_its_wal_are_private(tmp_path: Path) -> None:
    """The store holds citizens' data: not world-readable whatever the umask."""
    store = Store(f"sqlite:///{tmp_path / 'home' / 'townhall.db'}")
    store.migrate()
    store.dispose()
    for path in (tmp_path / "home").glob("townhall.db*"):
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path
