"""Supervised children: restarted at once after a crash, backed off when failing to start."""

import os
import sys
import threading
from pathlib import Path

from ivr.settings import Settings
from ivr.stack.supervisor import (
    MAX_RESTART_DELAY,
    RESTART_DELAY,
    Child,
    ivr_children,
    message_children,
    next_delay,
)
from townhall_support.wait import eventually


def test_backoff_grows_for_a_failing_child_and_resets_once_stable() -> None:
    delays = [RESTART_DELAY]
    for _ in range(8):
        delays.append(next_delay(delays[-1], uptime=0.2))
    assert delays[1] == 1.0 and delays[-1] == MAX_RESTART_DELAY
    assert next_delay(MAX_RESTART_DELAY, uptime=120) == RESTART_DELAY


def test_a_killed_child_is_restarted(tmp_path: Path) -> None:
    child = Child("sleeper", [sys.executable, "-c", "import time; time.sleep(60)"],
                  tmp_path / "child.log")
    child.start()
    threading.Thread(target=child.watch, daemon=True).start()
    first = child.process
    assert first is not None
    first.kill()
    eventually(lambda: child.process is not first, 5, 0.05)
    second = child.process
    assert second is not None and second is not first and second.poll() is None
    assert child.restarts == 1
    child.stop()
    assert second.poll() is not None


def test_the_mailbox_reader_is_a_child_only_when_imap_is_set(tmp_path: Path) -> None:
    plain = Settings.from_env({"TOWNHALL_HOME": str(tmp_path)})
    assert message_children(plain) == []
    both = plain.with_(imap_host="127.0.0.1", smtp_host="127.0.0.1")
    assert [name for name, _ in message_children(both)] == ["messages", "mail-reader"]


def test_one_child_per_ivr_process_each_with_its_index(tmp_path: Path) -> None:
    settings = Settings.from_env({"TOWNHALL_HOME": str(tmp_path),
                                  "TOWNHALL_IVR_PROCESSES": "3"})
    children = ivr_children(settings, tmp_path / "sounds", tmp_path / "log")
    assert [c.name for c in children] == ["ivr-app", "ivr-app-1", "ivr-app-2"]
    assert [c.argv[c.argv.index("--index") + 1] for c in children] == ["0", "1", "2"]
    assert len({c.log_path for c in children}) == 3


def test_the_number_of_ivr_processes_follows_the_cores_within_bounds() -> None:
    assert Settings.from_env({}).ivr_processes == min(8, max(1, os.cpu_count() or 1))
    assert Settings.from_env({"TOWNHALL_IVR_PROCESSES": "0"}).ivr_processes == 1
    assert Settings.from_env({"TOWNHALL_IVR_PROCESSES": "64"}).ivr_processes == 8
