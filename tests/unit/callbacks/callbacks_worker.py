"""A scheduler process for the exactly-once tests: ``python callbacks_worker.py …``.

Its dialer appends ``<callback id> <worker>`` to a log file (O_APPEND: one write per
line, safe across processes) and can hang forever on one callback, so a test can
kill -9 the process after ``mark_dialing`` and before the outcome is recorded.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from datetime import datetime
from pathlib import Path

from ivr.callbacks import repository as repo
from ivr.callbacks.scheduler import CallbackScheduler, DialOutcome, DialRequest
from ivr.store.db import Store


class LoggingDialer:
    """Records every dial; answers after ``delay`` seconds, or never for ``hang_on``."""

    def __init__(self, log: Path, worker: str, delay: float, hang_on: int | None) -> None:
        self.fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self.worker, self.delay, self.hang_on = worker, delay, hang_on

    async def dial(self, request: DialRequest) -> DialOutcome:
        os.write(self.fd, f"{request.callback_id} {self.worker}\n".encode())
        if request.callback_id == self.hang_on:
            await asyncio.sleep(3600)
        await asyncio.sleep(self.delay)
        return DialOutcome.ANSWERED


async def drain(scheduler: CallbackScheduler, store: Store, now: datetime) -> None:
    """Tick until no due callback is left for anyone."""
    while True:
        if not await scheduler.tick():
            with store.session() as session:
                if not repo.due_targets(session, now):
                    return
            await asyncio.sleep(0.01)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("log", type=Path)
    parser.add_argument("worker")
    parser.add_argument("now", type=datetime.fromisoformat)
    parser.add_argument("--go", type=Path, help="wait for this file before starting")
    parser.add_argument("--hang-on", type=int)
    parser.add_argument("--delay", type=float, default=0.0)
    args = parser.parse_args()
    while args.go and not args.go.exists():
        time.sleep(0.01)
    store = Store(args.url)
    dialer = LoggingDialer(args.log, args.worker, args.delay, args.hang_on)
    scheduler = CallbackScheduler(store, dialer, lambda t: True, lambda t, at: True,
                                  args.worker, lambda: args.now)
    asyncio.run(drain(scheduler, store, args.now))
    store.dispose()


if __name__ == "__main__":
    main()
