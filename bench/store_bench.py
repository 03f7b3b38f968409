"""Store writer throughput: contacts (start + 3 events + finish) committed per second.

Run from the repository root: ``.venv/bin/python -m bench.store_bench [--contacts N]``.
It measures the caller's cost (time spent in the writer methods, i.e. on the IVR's
event loop) and the end-to-end rate until ``flush`` reports everything committed,
on a fresh SQLite file and a fresh PostgreSQL database (skipped if unreachable).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import psycopg

from bench.machine import describe
from ivr.clock import Clock
from ivr.domain.outcomes import ContactOutcome
from ivr.store.db import Store
from ivr.store.writer import StoreWriter
from townhall_support.pg import create_pg_database, drop_pg_database, pg_url

OPS_PER_CONTACT = 5


@contextmanager
def databases(workdir: Path) -> Iterator[Iterator[tuple[str, str]]]:
    """(name, url) of each database kind, created fresh and dropped afterwards."""
    created: list[str] = []

    def urls() -> Iterator[tuple[str, str]]:
        yield "sqlite", f"sqlite:///{workdir / 'bench.db'}"
        try:
            created.append(create_pg_database())
        except psycopg.OperationalError as exc:
            print(f"postgresql: skipped ({exc})")
            return
        yield "postgresql", pg_url(created[-1])

    try:
        yield urls()
    finally:
        for name in created:
            drop_pg_database(name)


def run(url: str, spool: Path, contacts: int, clock: Clock) -> tuple[float, float, float]:
    """Return (caller µs per op, contacts committed per second, process CPU ms per
    contact: the caller and the writer thread)."""
    store = Store(url)
    store.migrate()
    writer = StoreWriter(store, spool, clock=clock)
    at = clock.now()
    start, cpu = time.perf_counter(), time.process_time()
    caller_time = 0.0
    for n in range(contacts):
        call_id = f"bench-{n}"
        t0 = time.perf_counter()
        writer.start_contact(call_id, at, "+33612345678", "+33123456789")
        for kind in ("answered", "dtmf", "route"):
            writer.event(call_id, kind, at, step=kind)
        writer.finish_contact(call_id, at + timedelta(seconds=30), ContactOutcome.ANSWERED,
                              target="accueil")
        caller_time += time.perf_counter() - t0
    if not writer.flush(timeout=600):
        raise RuntimeError(f"not flushed, spool_pending={writer.pending}")
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    writer.close()
    store.dispose()
    return (caller_time / (contacts * OPS_PER_CONTACT) * 1e6, contacts / elapsed,
            cpu / contacts * 1e3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=2000)
    args = parser.parse_args()
    clock = Clock()
    print(describe("store writer bench"))
    with tempfile.TemporaryDirectory() as tmp, databases(Path(tmp)) as kinds:
        for name, url in kinds:
            caller_us, rate, cpu_ms = run(url, Path(tmp) / f"spool-{name}", args.contacts,
                                          clock)
            print(f"{name}: {args.contacts} contacts × {OPS_PER_CONTACT} ops: "
                  f"{rate:,.0f} contacts/s committed, caller {caller_us:.1f} µs/op, "
                  f"CPU {cpu_ms:.2f} ms/contact")  # fmt: skip


if __name__ == "__main__":
    main()
