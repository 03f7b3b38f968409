"""A private stack: Asterisk on free loopback ports, configured from the default rules,
and the real IVR process, with helpers to call it and to read what it stored.

The clock is pinned to an open hour (``OPEN_CLOCK``) so that departments are open
whatever the day a test or a benchmark runs; callers about closed hours pin their own.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from ivr.asterisk.process import AsteriskInstance
from ivr.package_data import DEFAULT_RULES
from ivr.rules import load_rules
from ivr.runfiles import app_ready_path, live_pid
from ivr.settings import Settings
from ivr.simulate import CallResult, default_cache_dir, start_call
from ivr.stack.peer_files import read_statuses
from ivr.stack.provisioning import configure_asterisk
from ivr.store import Store
from ivr.store.queries import contact_by_ref, contact_to_dict
from townhall_support.ports import free_port, rtp_range
from townhall_support.wait import eventually

# Deadlines of the start-ups: generous, as they are waited on as conditions (a quiet
# machine starts the app in about 2 s; one shared by parallel test runs can take 30).
START_TIMEOUT = 90.0
OPEN_CLOCK = "2026-12-01T10:00:00+01:00"  # a Tuesday morning: every department is open
INHERITED = ("TOWNHALL_ASTERISK_ROOT", "TOWNHALL_ASTERISK")

Contact = dict[str, Any]


def stack_settings(home: Path, *, rtp_ports: int = 200, env: dict[str, str] | None = None,
                   ) -> Settings:
    """Settings with ``home`` and free SIP, ARI, AMI and RTP ports; only where Asterisk
    comes from is inherited from the environment, ports and secrets are the stack's own."""
    base = {k: v for k, v in os.environ.items() if k in INHERITED}
    base.update(env or {}, TOWNHALL_HOME=str(home))
    rtp_start, rtp_end = rtp_range(rtp_ports)
    return Settings.from_env(base).with_(
        sip_port=free_port(socket.SOCK_DGRAM), ari_port=free_port(), ami_port=free_port(),
        rtp_start=rtp_start, rtp_end=rtp_end)


def write_rules(dest: Path, agent_contact: str, contacts: dict[str, str] | None = None,
                departments: dict[str, dict[str, Any]] | None = None,
                sections: dict[str, dict[str, Any]] | None = None) -> Path:
    """The default rules with every agent's phone at ``agent_contact`` (or ``contacts``
    per agent id), some department settings changed (``departments``) and some
    top-level sections updated (``sections``, e.g. ``{"callbacks": {...}}``)."""
    yaml = YAML()
    data = yaml.load(DEFAULT_RULES.read_text())
    for agent_id, agent in data["agents"].items():
        agent["contact"] = (contacts or {}).get(agent_id, agent_contact)
    for target, changes in (departments or {}).items():
        for key, value in changes.items():
            if isinstance(value, dict):
                data["departments"][target].setdefault(key, {}).update(value)
            else:
                data["departments"][target][key] = value
    for section, changes in (sections or {}).items():
        data[section].update(changes)
    with dest.open("w") as out:
        yaml.dump(data, out)
    load_rules(dest)  # fail here, clearly, if the rules are invalid
    return dest


@contextmanager
def started_asterisk(settings: Settings, prompt_cache: Path | None = None,
                     timeout: float = START_TIMEOUT) -> Iterator[AsteriskInstance]:
    """Asterisk configured from ``settings.rules_path`` (prompts from ``prompt_cache``
    when they were rendered before), stopped at the end."""
    instance = AsteriskInstance(settings)
    configure_asterisk(settings, instance, prompt_cache=prompt_cache)
    instance.start(timeout=timeout)
    try:
        yield instance
    finally:
        instance.stop()


@dataclass
class Stack:
    """A running Asterisk + IVR processes (``settings.ivr_processes`` of them, as the
    supervisor runs them), with helpers to call and to break them."""

    settings: Settings
    asterisk: AsteriskInstance
    apps: dict[int, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def app(self) -> subprocess.Popen[bytes] | None:
        """IVR process 0 (the only one when ``ivr_processes`` is 1)."""
        return self.apps.get(0)

    def start_app(self, timeout: float = START_TIMEOUT) -> None:
        """Start every IVR process not running and wait until all take calls."""
        for index in range(self.settings.ivr_processes):
            if index not in self.apps or self.apps[index].poll() is not None:
                self.start_one(index, wait=False)
        self.wait_registered(timeout)

    def start_one(self, index: int, timeout: float = START_TIMEOUT, wait: bool = True) -> None:
        """Start IVR process ``index`` (what the supervisor does when one died)."""
        env = {**os.environ, **self.settings.to_env()}
        with self.log_path(index).open("ab") as log:
            self.apps[index] = subprocess.Popen(
                [sys.executable, "-m", "ivr.cli", "app", "--index", str(index), "--sounds-dir",
                 str(self.asterisk.sounds_dir)], env=env, stdout=log, stderr=subprocess.STDOUT)
        if wait:
            self.wait_registered(timeout)

    def stop_app(self, sig: int = signal.SIGTERM) -> None:
        """Stop every IVR process (SIGKILL: as if all crashed at once)."""
        for index in list(self.apps):
            self.stop_one(index, sig)

    def stop_one(self, index: int, sig: int = signal.SIGTERM) -> None:
        app = self.apps.pop(index, None)
        if app is not None and app.poll() is None:
            app.send_signal(sig)
            app.wait(15)

    @contextmanager
    def clock_pinned(self, clock: str) -> Iterator[Stack]:
        """The IVR processes restarted with their clock at ``clock`` (Asterisk keeps
        running: cheaper than a stack of its own), and restarted as before at the end."""
        before = self.settings
        self.stop_app()
        self.settings = before.with_(clock_value=clock)
        try:
            self.start_app()
            yield self
        finally:
            self.stop_app()
            self.settings = before
            self.start_app()

    def busiest(self) -> tuple[int, int]:
        """(index, calls in progress) of the ready IVR process holding the most calls,
        as the processes last wrote their status (four times a second)."""
        found = [(s.calls, s.index) for s in read_statuses(self.settings) if s.ready]
        calls, index = max(found, default=(0, 0))
        return index, calls

    def crash_busiest(self) -> int:
        """kill -9 the IVR process holding the most calls (its peers take them over)
        and start it again at once, as the supervisor does; its index."""
        index, _calls = self.busiest()
        self.crash(index)
        return index

    def crash(self, index: int) -> None:
        """kill -9 IVR process ``index`` and start it again at once (the supervisor)."""
        self.stop_one(index, signal.SIGKILL)
        self.start_one(index, wait=False)

    def calls_of(self, index: int) -> int:
        """Calls in progress in IVR process ``index``, as it last wrote its status."""
        return next((s.calls for s in read_statuses(self.settings) if s.index == index), 0)

    def log_path(self, index: int = 0) -> Path:
        return self.settings.home / ("ivr-app.log" if index == 0 else f"ivr-app-{index}.log")

    def registered(self) -> bool:
        """Every IVR process takes calls (Asterisk's application list keeps a crashed
        app listed while calls are held in it: no proof)."""
        return len(self.apps) == self.settings.ivr_processes and all(
            live_pid(app_ready_path(self.settings, index)) == app.pid
            for index, app in self.apps.items())

    def wait_registered(self, timeout: float = START_TIMEOUT) -> None:
        def exited() -> bool:
            return any(app.poll() is not None for app in self.apps.values())

        eventually(lambda: self.registered() or exited(), timeout)
        if self.registered():
            return
        if exited():
            raise RuntimeError(f"IVR app exited: {self.app_log()}")
        raise TimeoutError(f"IVR app not registered after {timeout} s: {self.app_log()}")

    def app_log(self) -> str:
        """The end of every IVR process's log."""
        tails = [f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}"
                 for path in map(self.log_path, range(self.settings.ivr_processes))
                 if path.exists()]
        return "\n".join(tails)

    def call(self, **options: Any) -> CallResult:
        """Place one citizen call; blocks until it ends."""
        return self.start_call(**options).result()

    def start_call(self, **options: Any) -> Future[CallResult]:
        """Place one citizen call in the background (calls at the same time)."""
        options.setdefault("hold_seconds", 4)
        options.setdefault("cache_dir", default_cache_dir(self.settings))
        return start_call("127.0.0.1", self.settings.sip_port, **options)

    def contact(self, ref: str, wait: float = 10,
                until: Callable[[Contact], bool] = lambda c: True) -> Contact | None:
        """The stored contact of a call (with its events), once ``until`` holds for it
        (or as it is after ``wait`` seconds; None if it is not stored)."""
        store = Store(self.settings.db_url)

        def read() -> Contact | None:
            with store.session() as session:
                row = contact_by_ref(session, ref)
                return contact_to_dict(row, events=True) if row else None

        try:
            return eventually(read, wait, 0.3, until=lambda c: c is not None and until(c))
        finally:
            store.dispose()


@contextmanager
def running_stack(home: Path, agent_contact: str, *, clock: str = OPEN_CLOCK,
                  settings: dict[str, Any] | None = None, prompt_cache: Path | None = None,
                  rtp_ports: int = 200, **rules: Any) -> Iterator[Stack]:
    """Asterisk + the IVR application on free ports under ``home``, rules written by
    ``write_rules`` (agents at ``agent_contact``), ``settings`` overriding fields of the
    stack's ``Settings`` (e.g. ``db_url``); ``rtp_ports``: two per call in progress."""
    base = stack_settings(home, rtp_ports=rtp_ports)
    path = write_rules(home / "routing_rules.yaml", agent_contact, **rules)
    settings_ = base.with_(rules_path=path, clock_value=clock, **(settings or {}))
    with started_asterisk(settings_, prompt_cache) as instance:
        running = Stack(settings_, instance)
        try:
            running.start_app()
            yield running
        finally:
            running.stop_app()
