"""The whole stack for end-to-end tests: a real Asterisk on free ports configured from
the default rules, the real IVR process, SIPp phones and a real database.

The clock is pinned to a Tuesday at 10:00 (Paris) so departments are open whatever
the day CI runs; tests about closed hours pin their own.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from ivr.asterisk.process import AsteriskInstance
from ivr.rules import load_rules
from ivr.runfiles import app_ready_path, live_pid
from ivr.settings import Settings
from ivr.simulate import AgentPhone, CallResult, default_cache_dir, start_call
from ivr.stack.provisioning import configure_asterisk
from ivr.store import Store
from ivr.store.queries import contact_by_ref, contact_to_dict
from tests.fixtures.asterisk import make_asterisk_settings

REPO = Path(__file__).resolve().parents[2]
OPEN_CLOCK = "2026-12-01T10:00:00+01:00"  # a Tuesday morning: every department is open


def write_test_rules(dest: Path, agent_contact: str, contacts: dict[str, str] | None = None,
                     departments: dict[str, dict[str, Any]] | None = None,
                     sections: dict[str, dict[str, Any]] | None = None) -> Path:
    """The default rules with every agent's phone at ``agent_contact`` (or ``contacts``
    per agent id), some department settings changed (``departments``) and some
    top-level sections updated (``sections``, e.g. ``{"callbacks": {...}}``)."""
    yaml = YAML()
    data = yaml.load((REPO / "routing_rules.yaml").read_text())
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
    load_rules(dest)  # fail here, clearly, if the test rules are invalid
    return dest


@dataclass
class Stack:
    """A running Asterisk + IVR application, with helpers to call and to break it."""

    settings: Settings
    asterisk: AsteriskInstance
    app: subprocess.Popen[bytes] | None = None

    def start_app(self, timeout: float = 30) -> None:
        env = {**os.environ, **self.settings.to_env()}
        log = (self.settings.home / "ivr-app.log").open("ab")
        self.app = subprocess.Popen(
            [sys.executable, "-m", "ivr.cli", "app", "--sounds-dir",
             str(self.asterisk.sounds_dir)], env=env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self.wait_registered(timeout)

    def stop_app(self, sig: int = signal.SIGTERM) -> None:
        if self.app is not None and self.app.poll() is None:
            self.app.send_signal(sig)
            self.app.wait(15)
        self.app = None

    def registered(self) -> bool:
        """This app process takes calls (Asterisk's application list keeps a crashed
        app listed while calls are held in it: no proof)."""
        return self.app is not None and live_pid(app_ready_path(self.settings)) == self.app.pid

    def wait_registered(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.registered():
                return
            if self.app is not None and self.app.poll() is not None:
                raise RuntimeError(f"IVR app exited: {self.app_log()}")
            time.sleep(0.2)
        raise TimeoutError(f"IVR app not registered after {timeout} s: {self.app_log()}")

    def app_log(self) -> str:
        path = self.settings.home / "ivr-app.log"
        return path.read_text()[-3000:] if path.exists() else ""

    def call(self, **options: Any) -> CallResult:
        """Place one citizen call; blocks until it ends."""
        return self.start_call(**options).result()

    def start_call(self, **options: Any) -> Future[CallResult]:
        """Place one citizen call in the background (calls at the same time)."""
        options.setdefault("hold_seconds", 4)
        options.setdefault("cache_dir", default_cache_dir(self.settings))
        return start_call("127.0.0.1", self.settings.sip_port, **options)

    def contact(self, ref: str, wait: float = 10,
                until: Callable[[dict[str, Any]], bool] = lambda c: True) -> dict[str, Any] | None:
        """The stored contact of a call (with its events), once ``until`` holds for it."""
        deadline = time.monotonic() + wait
        store = Store(self.settings.db_url)
        try:
            while True:
                with store.session() as session:
                    row = contact_by_ref(session, ref)
                    found = contact_to_dict(row, events=True) if row else None
                if (found and until(found)) or time.monotonic() > deadline:
                    return found
                time.sleep(0.3)
        finally:
            store.dispose()


@pytest.fixture(scope="module")
def agent() -> Iterator[AgentPhone]:
    """One agent phone (SIPp UAS) answering for every department."""
    with AgentPhone(mode="answer", max_seconds=30) as phone:
        yield phone


@contextmanager
def running_stack(tmp_path_factory: pytest.TempPathFactory, agent: AgentPhone, *,
                  clock: str = OPEN_CLOCK, settings: dict[str, Any] | None = None,
                  **rules: Any) -> Iterator[Stack]:
    """Asterisk + the IVR application on free ports, rules written by ``write_test_rules``,
    ``settings`` overriding fields of the test's ``Settings`` (e.g. ``db_url``)."""
    base = make_asterisk_settings(tmp_path_factory)
    path = write_test_rules(base.home / "routing_rules.yaml",
                            f"sip:agent@127.0.0.1:{agent.port}", **rules)
    settings_ = base.with_(rules_path=path, clock_value=clock, **(settings or {}))
    instance = AsteriskInstance(settings_)
    configure_asterisk(settings_, instance)
    instance.start(timeout=30)
    running = Stack(settings_, instance)
    try:
        running.start_app()
        yield running
    finally:
        running.stop_app()
        instance.stop()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, agent: AgentPhone) -> Iterator[Stack]:
    """Asterisk + the IVR application, module-scoped; the app is (re)started as needed."""
    with running_stack(tmp_path_factory, agent) as running:
        yield running


@pytest.fixture
def live(stack: Stack) -> Stack:
    """The stack with its application running (restarted if a test stopped it)."""
    if stack.app is None or stack.app.poll() is not None:
        stack.start_app()
    return stack
