"""Two schedulers over the same due callbacks: each is claimed and dialled exactly once,
and a scheduler killed mid-dial loses nothing and causes no second dial."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from ivr.callbacks import repository as repo
from ivr.callbacks.scheduler import CallbackScheduler, DialOutcome, DialRequest
from ivr.store.db import Store
from tests.fixtures.callbacks import T0, add_callbacks, get
from tests.fixtures.callbacks_worker import drain
from townhall_support.wait import eventually

pytestmark = pytest.mark.pg
WORKER = Path(__file__).parents[2] / "fixtures" / "callbacks_worker.py"
COUNT = 200


class RecordingDialer:
    """Thread-side fake: the feature under test is the claim, not the call."""

    def __init__(self, log: list[tuple[int, str]], worker: str) -> None:
        self.log, self.worker = log, worker

    async def dial(self, request: DialRequest) -> DialOutcome:
        self.log.append((request.callback_id, self.worker))  # list.append is atomic
        await asyncio.sleep(0.001)
        return DialOutcome.ANSWERED


def assert_each_dialled_once(dials: list[tuple[int, str]], ids: list[int]) -> None:
    counts = Counter(cid for cid, _ in dials)
    assert sorted(counts) == sorted(ids)
    assert set(counts.values()) == {1}
    assert len({worker for _, worker in dials}) == 2, "both schedulers must have worked"


def test_two_threads_dial_each_callback_once(db_url: str, store: Store) -> None:
    ids = add_callbacks(store, COUNT)
    dials: list[tuple[int, str]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def run(worker: str) -> None:
        own = Store(db_url)  # separate engine and sessions per thread
        try:
            scheduler = CallbackScheduler(own, RecordingDialer(dials, worker), lambda t: True,
                                          lambda t, at: True, worker, lambda: T0)
            start.wait()
            asyncio.run(drain(scheduler, own, T0))
        except BaseException as exc:
            errors.append(exc)
        finally:
            own.dispose()

    threads = [threading.Thread(target=run, args=(f"t{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    assert_each_dialled_once(dials, ids)
    with store.session() as session:
        assert {r.state for r in repo.list_callbacks(session)} == {"done"}


def spawn(db_url: str, log: Path, worker: str, *extra: str, now=T0) -> subprocess.Popen[bytes]:
    command = [sys.executable, str(WORKER), db_url, str(log), worker, now.isoformat(), *extra]
    return subprocess.Popen(command, env={**os.environ, "PYTHONPATH": os.getcwd()})


def read_log(log: Path) -> list[tuple[int, str]]:
    lines = log.read_text().split() if log.exists() else []
    return [(int(cid), worker) for cid, worker in zip(lines[::2], lines[1::2], strict=True)]


def test_two_processes_dial_each_callback_once(db_url: str, store: Store,
                                               tmp_path: Path) -> None:
    ids = add_callbacks(store, COUNT)
    log, go = tmp_path / "dials.log", tmp_path / "go"
    workers = [spawn(db_url, log, f"p{i}", "--go", str(go), "--delay", "0.005")
               for i in range(2)]
    go.touch()
    assert [w.wait(120) for w in workers] == [0, 0]
    assert_each_dialled_once(read_log(log), ids)


def wait_for_line(log: Path, callback_id: int, timeout: float = 60) -> None:
    dialled = eventually(lambda: any(cid == callback_id for cid, _ in read_log(log)),
                         timeout, 0.02)
    assert dialled, "the worker never dialled"


def test_kill_9_mid_dial_loses_nothing_and_never_redials(db_url: str, store: Store,
                                                        tmp_path: Path) -> None:
    ids = add_callbacks(store, 20)
    hung, log = ids[2], tmp_path / "dials.log"
    first = spawn(db_url, log, "a", "--hang-on", str(hung))
    wait_for_line(log, hung)
    os.kill(first.pid, signal.SIGKILL)
    first.wait(10)
    assert get(store, hung).state == "dialing"
    later = T0 + timedelta(minutes=10)  # past the claim and dialling leases
    assert spawn(db_url, log, "b", now=later).wait(120) == 0
    dials = read_log(log)
    counts = Counter(cid for cid, _ in dials)
    assert sorted(counts) == sorted(ids) and set(counts.values()) == {1}
    assert (hung, "b") not in dials
    interrupted = get(store, hung)
    assert (interrupted.state, interrupted.outcome) == ("dialing", repo.INTERRUPTED)
    with store.session() as session:
        states = Counter(r.state for r in repo.list_callbacks(session))
    assert states == {"done": len(ids) - 1, "dialing": 1}
