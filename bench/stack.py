"""A private stack for the load benchmark: Asterisk + the IVR process + agent phones.

Everything runs on free loopback ports under a temporary home, with the clock pinned
to an open hour, so a benchmark never touches a running ``make run`` stack. The IVR
process is a supervised ``Child`` (``ivr.stack.supervisor``): when a fault scenario
kills it, it comes back exactly as in production.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from bench.native import add_native_menu
from ivr.asterisk.process import AsteriskInstance
from ivr.rules import load_rules
from ivr.settings import Settings
from ivr.simulate import AgentPhone
from ivr.stack.provisioning import configure_asterisk
from ivr.stack.supervisor import Child, ivr_children
from ivr.store import Store
from ivr.store.models import Contact
from townhall_support.stack import DEFAULT_RULES, OPEN_CLOCK, stack_settings, write_rules
from townhall_support.wait import eventually

log = logging.getLogger(__name__)

RTP_PORTS = 10000  # two channels (caller, agent) per call, two ports each, and reuse slack
# Departments the benchmark's callers reach: by the IVR (11, 0) and by the native menu
# (NATIVE_KEY, on both paths: the plain dialplan only has the main menu's departments,
# and the shipped main menu leads to sub-menus only, so the bench adds one).
ROUTED = ("etat-civil", "police-municipale", "accueil")
NATIVE_KEY = "6"


def bench_rules(dest: Path, agent_uri: str, agents: int) -> Path:
    """The default rules, every agent at ``agent_uri``, plus ``agents`` extra agents in the
    routed departments (round-robin, no wrap-up) so calls are answered, not queued."""
    extra = {f"bench-agent-{n}": {"name": f"Banc {n}", "departments": list(ROUTED),
                                  "contact": agent_uri} for n in range(agents)}
    queues = {target: {"queue": {"strategy": "rrmemory", "wrapup": 0}} for target in ROUTED}
    rules = load_rules(DEFAULT_RULES)
    main = rules.menus[rules.main_menu].model_dump(mode="json", exclude_none=True,
                                                   exclude_defaults=True)
    main["options"][NATIVE_KEY] = {"label": "la police municipale", "target": "police-municipale"}
    return write_rules(dest, agent_uri, departments=queues,
                       sections={"agents": extra, "menus": {rules.main_menu: main}})


def bench_settings(home: Path, db_url: str | None = None,
                   vosk_model: Path | None = None) -> Settings:
    """Settings on free loopback ports, the clock at an open hour.

    Speech is off unless ``vosk_model`` is given: with it, every call opens a speech
    leg, which a keypad benchmark must not pay for.
    """
    env = {"TOWNHALL_VOSK_MODEL": str(vosk_model or "")}
    if db_url:
        env["TOWNHALL_DB_URL"] = db_url
    return stack_settings(home, rtp_ports=RTP_PORTS, env=env).with_(clock_value=OPEN_CLOCK)


@dataclass
class BenchStack:
    """A running Asterisk, IVR process and agent phone; helpers to measure and break it."""

    settings: Settings
    asterisk: AsteriskInstance
    apps: list[Child]  # the TOWNHALL_IVR_PROCESSES IVR processes, as the stack runs them
    agent: AgentPhone

    @property
    def app(self) -> Child:
        """The IVR process the fault scenarios break (its peers claim calls meanwhile)."""
        return self.apps[0]

    def asterisk_pid(self) -> int | None:
        """Asterisk's pid from its state file (``chroot`` execs it: same pid)."""
        try:
            return int(json.loads(self.asterisk.state_path.read_text())["pid"])
        except (OSError, ValueError, KeyError):
            return None

    @property
    def queue_log(self) -> Path:
        """app_queue's log of every queue event (``bench.endings`` reads it)."""
        return self.asterisk.layout.dir("log") / "queue_log"

    def app_pid(self, index: int = 0) -> int | None:
        process = self.apps[index].process
        return process.pid if process is not None and process.poll() is None else None

    def meters(self) -> dict[str, Callable[[], int | None]]:
        """What a ``ProcessMeter`` follows: Asterisk and each IVR process (``ivr-N``)."""
        ivr = {f"ivr-{index}": functools.partial(self.app_pid, index)
               for index in range(len(self.apps))}
        return {"asterisk": self.asterisk_pid, **ivr}

    def ari_connections(self) -> int:
        """How many times the IVR processes logged their ARI connection (all restarts).

        ``/ari/applications`` is no readiness probe after a crash: Asterisk keeps listing
        an application while channels are still in it, websocket or not.
        """
        return sum(_connections(app.log_path) for app in self.apps)

    def wait_connected(self, more_than: int, timeout: float = 30) -> float:
        """Seconds until the IVR logs an ARI connection beyond ``more_than``."""
        started = time.monotonic()
        if not eventually(lambda: self.ari_connections() > more_than, timeout, 0.05):
            raise TimeoutError(f"IVR app not connected after {timeout} s")
        return time.monotonic() - started

    def count_contacts(self, ref_prefix: str, expected: int, wait: float = 20) -> tuple[int, int]:
        """(contacts, distinct refs) whose ref starts with ``ref_prefix``, polled until
        ``expected`` are there or the counts stop growing for ``wait`` seconds."""
        store = Store(self.settings.db_url)
        query = select(func.count(), func.count(func.distinct(Contact.ref))).where(
            Contact.ref.like(f"{ref_prefix}-%"))
        seen, still_since = (0, 0), time.monotonic()
        try:
            while time.monotonic() - still_since < wait:
                with store.session() as session:
                    row = session.execute(query).one()
                counts = (int(row[0]), int(row[1]))
                if counts[0] >= expected:
                    return counts
                if counts != seen:
                    seen, still_since = counts, time.monotonic()
                time.sleep(0.5)
        finally:
            store.dispose()
        return seen


    def routes(self, ref_prefix: str) -> dict[str, int]:
        """How the contacts whose ref starts with ``ref_prefix`` were routed and ended:
        ``"<routed_by> → <target>: <outcome>"`` → count."""
        store = Store(self.settings.db_url)
        query = (select(Contact.routed_by, Contact.target, Contact.outcome, func.count())
                 .where(Contact.ref.like(f"{ref_prefix}-%"))
                 .group_by(Contact.routed_by, Contact.target, Contact.outcome))
        try:
            with store.session() as session:
                return {f"{by} → {target}: {outcome}": int(n)
                        for by, target, outcome, n in session.execute(query)}
        finally:
            store.dispose()


def _connections(log: Path) -> int:
    try:
        return log.read_text(errors="replace").count("ARI connected")
    except OSError:
        return 0


@contextmanager
def bench_stack(*, agents: int = 20, db_url: str | None = None,
                vosk_model: Path | None = None, keep: bool = False) -> Iterator[BenchStack]:
    """Start agents, Asterisk and the supervised IVR process; stop them all at the end."""
    home = Path(tempfile.mkdtemp(prefix="townhall-bench-"))
    base = bench_settings(home, db_url, vosk_model)
    with AgentPhone(mode="answer", max_seconds=600, lifetime=7200) as agent:
        settings = base.with_(rules_path=bench_rules(
            home / "routing_rules.yaml", f"sip:agent@127.0.0.1:{agent.port}", agents))
        # the supervised child reads its settings from the environment, as in production
        os.environ.update(settings.to_env())
        instance = AsteriskInstance(settings)
        configure_asterisk(settings, instance)
        add_native_menu(instance, load_rules(settings.rules_path), settings.clock.now())
        instance.start(timeout=60)
        apps = ivr_children(settings, instance.sounds_dir, settings.home / "log")
        stack = BenchStack(settings, instance, apps, agent)
        try:
            for app in apps:
                app.start()
                threading.Thread(target=app.watch, name=f"watch-{app.name}", daemon=True).start()
            stack.wait_connected(len(apps) - 1, timeout=60)
            yield stack
        finally:
            for app in apps:
                app.stop()
            instance.stop()
            if not keep:
                shutil.rmtree(instance.layout.base, ignore_errors=True)
                shutil.rmtree(home, ignore_errors=True)

