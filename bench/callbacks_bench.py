"""Callback dispatch throughput and exactly-once check: two scheduler processes, N callbacks.

    .venv/bin/python -m bench.callbacks_bench [-n 1000] [--db sqlite|postgresql|both]

The dialer is a recording fake that answers at once: this measures the claim and the
state transitions (three short transactions per callback), not telephony.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import secrets
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.machine import describe
from ivr.callbacks import repository as repo
from ivr.callbacks.scheduler import CallbackScheduler, DialOutcome, DialRequest
from ivr.store.db import Store
from ivr.store.models import Contact

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PG = os.environ.get("TOWNHALL_TEST_PG_HOST", "127.0.0.1")


class Recorder:
    def __init__(self) -> None:
        self.dialled: list[int] = []

    async def dial(self, request: DialRequest) -> DialOutcome:
        self.dialled.append(request.callback_id)
        return DialOutcome.ANSWERED


async def _drain(scheduler: CallbackScheduler, store: Store) -> None:
    while True:
        if not await scheduler.tick():
            with store.session() as session:
                if not repo.due_targets(session, T0):
                    return


def worker(url: str, name: str, go: Any, out: Any) -> None:
    """One scheduler process; reports the ids it dialled."""
    store, recorder = Store(url), Recorder()
    scheduler = CallbackScheduler(store, recorder, lambda t: True, lambda t, at: True,
                                  name, lambda: T0)
    go.wait()
    asyncio.run(_drain(scheduler, store))
    store.dispose()
    out.put((name, recorder.dialled))


def seed(store: Store, count: int) -> None:
    with store.session() as session:
        for i in range(count):
            contact = Contact(started_at=T0, caller="0612345678")
            session.add(contact)
            session.flush()
            repo.request_callback(session, contact.id, f"06{i:08d}", "etat-civil", T0, None,
                                  now=T0)


def run(url: str, count: int) -> None:
    store = Store(url)
    store.migrate()
    seed(store, count)
    store.dispose()
    ctx = mp.get_context("spawn")
    go, out = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=worker, args=(url, f"w{i}", go, out)) for i in range(2)]
    for proc in procs:
        proc.start()
    time.sleep(1.5)  # let both import and connect before the clock starts
    started = time.perf_counter()
    go.set()
    results = dict(out.get(timeout=600) for _ in procs)
    elapsed = time.perf_counter() - started
    for proc in procs:
        proc.join()
    counts = Counter(cid for ids in results.values() for cid in ids)
    once = len(counts) == count and set(counts.values()) == {1}
    split = " / ".join(f"{name}={len(ids)}" for name, ids in sorted(results.items()))
    print(f"{url.split(':')[0]:<22} n={count} {elapsed:6.2f} s  {count / elapsed:7.1f} callbacks/s"
          f"  split {split}  exactly-once={'yes' if once else 'NO'}")


def pg_database() -> tuple[str, Any]:
    import psycopg

    name = f"townhall_bench_{secrets.token_hex(4)}"
    admin = psycopg.connect(host=PG, user="postgres", dbname="postgres", autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()

    return f"postgresql+psycopg://postgres@{PG}:5432/{name}", drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--count", type=int, default=1000)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    print(describe("callbacks bench"))
    if args.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            run(f"sqlite:///{Path(tmp) / 'bench.db'}", args.count)
    if args.db in ("postgresql", "both"):
        url, drop = pg_database()
        try:
            run(url, args.count)
        finally:
            drop()


if __name__ == "__main__":
    main()
