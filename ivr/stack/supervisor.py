"""Start, supervise and stop the stack behind ``make run`` and ``townhall-ivr up``.

Asterisk runs as a child of the supervisor; the IVR processes, the background workers
of ``ivr.stack.workers`` (callback scheduler, alert dialer, Marianne, CalDAV push,
messages sender and mailbox reader when configured) and the admin run as child
processes that are restarted at once if they die. There are ``TOWNHALL_IVR_PROCESSES``
IVR processes (one per core by default): a crashed or killed one is back within a
second or two, and meanwhile the others claim the new calls and take over its calls in
progress (the dialplan fallback answers only when none is up). On a server, systemd
runs each of them as its own unit instead (``production install-units``).
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from ivr.asterisk.process import AsteriskInstance
from ivr.runfiles import stack_pid_path
from ivr.settings import Settings
from ivr.stack.provisioning import configure_asterisk
from ivr.stack.workers import needed_workers, worker

log = logging.getLogger(__name__)

RESTART_DELAY = 0.5  # a crashed IVR is back at once; its peers answer meanwhile
MAX_RESTART_DELAY = 30.0
STABLE_SECONDS = 30.0  # a child that ran this long is healthy again: restart quickly


def next_delay(previous: float, uptime: float) -> float:
    """Back off for a child that keeps failing at start-up (e.g. ARI unreachable)."""
    if uptime >= STABLE_SECONDS:
        return RESTART_DELAY
    return min(MAX_RESTART_DELAY, max(RESTART_DELAY, previous * 2))


def message_children(settings: Settings) -> list[tuple[str, list[str]]]:
    """The messages sender (when a gateway is set) and the mailbox reader (when IMAP is)."""
    return [(w.name, list(w.args)) for w in needed_workers(settings) if w.optional]


@dataclass
class Child:
    """A supervised child process, restarted when it exits unexpectedly."""

    name: str
    argv: list[str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    delay: float = 0.0
    started_at: float = 0.0
    stopping: bool = field(default=False, repr=False)

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        out = self.log_path.open("ab")
        self.process = subprocess.Popen(self.argv, stdout=out, stderr=subprocess.STDOUT)
        self.started_at = time.monotonic()
        out.close()
        log.info("started %s", self.name, extra={"pid": self.process.pid, "log": self.log_path})

    def watch(self) -> None:
        """Restart the child whenever it exits, until ``stop``."""
        while not self.stopping:
            assert self.process is not None
            code = self.process.wait()
            if self.stopping:
                return
            self.restarts += 1
            self.delay = next_delay(self.delay, time.monotonic() - self.started_at)
            log.warning("%s exited; restarting", self.name,
                        extra={"code": code, "restarts": self.restarts, "delay": self.delay})
            time.sleep(self.delay)
            self.start()

    def stop(self, timeout: float = 10) -> None:
        self.stopping = True
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def worker_child(name: str, logs: Path) -> Child:
    """One worker of ``ivr.stack.workers`` as a supervised child logging to ``logs``."""
    found = worker(name)
    return Child(found.name, [sys.executable, "-m", "ivr.cli", *found.args],
                 logs / f"{found.name}.log")


def ivr_children(settings: Settings, sounds_dir: Path, logs: Path) -> list[Child]:
    """The ``TOWNHALL_IVR_PROCESSES`` IVR processes, each claiming calls offered by
    ``StasisBroadcast()``; when one dies the others take its calls until it is back."""
    children = []
    for index in range(settings.ivr_processes):
        name = "ivr-app" if index == 0 else f"ivr-app-{index}"
        children.append(Child(name, [sys.executable, "-m", "ivr.cli", "app", "--index",
                                     str(index), "--sounds-dir", str(sounds_dir)],
                              logs / f"{name}.log"))
    return children


class Stack:
    """Asterisk + IVR application + admin for one ``Settings``."""

    def __init__(self, settings: Settings, with_admin: bool = True) -> None:
        self.settings = settings
        self.asterisk = AsteriskInstance(settings)
        self.children: list[Child] = []
        self.with_admin = with_admin
        self.stopped = threading.Event()

    def start(self) -> None:
        """Provision and start everything; returns once calls can be taken."""
        configure_asterisk(self.settings, self.asterisk)
        self.asterisk.start()
        logs = self.settings.home / "log"
        cli = [sys.executable, "-m", "ivr.cli"]
        self.children.extend(ivr_children(self.settings, self.asterisk.sounds_dir, logs))
        self.children += [worker_child(w.name, logs) for w in needed_workers(self.settings)]
        if self.with_admin:
            self.children.append(Child("admin", [*cli, "admin", "serve"], logs / "admin.log"))
        for child in self.children:
            child.start()
            threading.Thread(target=child.watch, name=f"watch-{child.name}", daemon=True).start()

    def stop(self) -> None:
        for child in reversed(self.children):
            child.stop()
        self.asterisk.stop()
        self.stopped.set()

    def banner(self) -> str:
        s = self.settings
        lines = [
            "townhall-ivr is up.",
            f"  Call it:   sip:3000@{s.sip_host}:{s.sip_port}"
            "  (any number; try: townhall-ivr call --dtmf 11)",
            f"  ARI:       http://{s.ari_host}:{s.ari_port}/ari  (user {s.ari_user})",
        ]
        if self.with_admin:
            lines.append(f"  Admin:     http://{s.admin_host}:{s.admin_port}/")
        lines.append(f"  Logs:      {s.home / 'log'}   Database: {s.db_url.split('@')[-1]}")
        return "\n".join(lines)


def serve_foreground(settings: Settings, with_admin: bool = True) -> None:
    """``make run``: start the stack, print where to call, stop cleanly on Ctrl-C/SIGTERM."""
    stack = Stack(settings, with_admin)
    pid = stack_pid_path(settings)
    pid.parent.mkdir(parents=True, exist_ok=True)
    pid.write_text(f"{os.getpid()}\n")
    signal.signal(signal.SIGTERM, lambda *_: stack.stopped.set())
    try:
        stack.start()
        print(stack.banner(), flush=True)
        stack.stopped.wait()
    except KeyboardInterrupt:
        pass
    finally:
        print("Stopping townhall-ivr…", flush=True)
        stack.stop()
        pid.unlink(missing_ok=True)
