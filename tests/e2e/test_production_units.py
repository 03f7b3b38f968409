"""The systemd units are not just text: each unit's command line, read from the unit
``production install-units`` wrote, runs as a process with the unit's environment
against a fresh ``/etc`` and ``/var/lib`` (temporary folders), and its component comes
up — Asterisk answers ARI and AMI (and is the unit's main process itself), the IVR
registers its Stasis application, the scheduler and the alert dialer connect theirs,
the admin answers HTTP, the guard and the other workers keep running."""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from ivr.asterisk.process import AsteriskInstance
from ivr.install.layout import Target, install, parse_unit
from ivr.runfiles import app_ready_path, live_pid
from ivr.settings import Settings
from ivr.stack.provisioning import configure_asterisk
from tests.fixtures.stack import prompt_cache
from townhall_support.ports import free_port
from townhall_support.stack import INHERITED, START_TIMEOUT, stack_settings
from townhall_support.wait import eventually

pytestmark = pytest.mark.e2e

WORKERS = ("townhall-ivr-scheduler.service", "townhall-ivr-alerts.service",
           "townhall-ivr-marianne.service", "townhall-ivr-appointments.service",
           "townhall-ivr-guard.service")


@dataclass
class Server:
    """The installed files and the processes started from the units."""

    target: Target
    settings: Settings
    logs: Path
    processes: dict[str, subprocess.Popen[bytes]]

    def unit(self, name: str) -> dict[str, list[str]]:
        """The unit's lines; an instance (``app@1``) is its template with ``%i`` filled."""
        template, at, rest = name.partition("@")
        instance = rest.split(".", 1)[0]
        file = f"{template}@.{rest.split('.', 1)[1]}" if at else name
        text = (self.target.systemd / file).read_text()
        return parse_unit(text.replace("%i", instance) if at else text)

    def env(self, name: str) -> dict[str, str]:
        """What systemd gives the unit's processes: its ``Environment=`` lines."""
        env = {"PATH": os.environ["PATH"], "LANG": "C.UTF-8"}
        if "PYTHONPATH" in os.environ:  # the checkout under test, not the venv's copy
            env["PYTHONPATH"] = os.environ["PYTHONPATH"]
        for line in self.unit(name).get("Environment", []):
            key, _, value = line.partition("=")
            env[key] = value
        return env

    def start(self, name: str) -> subprocess.Popen[bytes]:
        """Run the unit's ExecStart in its own process group, as systemd would."""
        [command] = self.unit(name)["ExecStart"]
        with (self.logs / f"{name}.log").open("ab") as out:
            process = subprocess.Popen(shlex.split(command), env=self.env(name), stdout=out,
                                       stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                       start_new_session=True)
        self.processes[name] = process
        return process

    def run(self, name: str, key: str) -> subprocess.CompletedProcess[str]:
        """Run one of the unit's other command lines (ExecStartPost, ExecCondition)."""
        [command] = self.unit(name)[key]
        return subprocess.run(shlex.split(command), env=self.env(name), capture_output=True,
                              text=True, timeout=START_TIMEOUT * 2)

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")[-3000:]

    def ari_applications(self) -> set[str]:
        s = self.settings
        answer = httpx.get(f"http://127.0.0.1:{s.ari_port}/ari/applications",
                           auth=(s.ari_user, s.ari_password), timeout=5)
        return {app["name"] for app in answer.json()}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("server")
    exe = shutil.which("townhall-ivr", path=str(Path(sys.executable).parent))
    assert exe is not None, "the venv's townhall-ivr command"
    target = Target(Path(exe), root / "etc", root / "var", root / "systemd", "root",
                    ivr_processes=2)
    install(target)
    # what the IT person adds to the settings file: here free ports, not 5060 and 8088
    ports = stack_settings(target.state).with_(admin_port=free_port())
    chosen = {k: v for k, v in ports.to_env().items() if k.endswith(("_PORT", "_START", "_END"))}
    chosen.update({k: v for k, v in os.environ.items() if k in INHERITED})
    with target.config.open("a") as env_file:
        env_file.writelines(f"{key}={value}\n" for key, value in chosen.items())
    settings = Settings.from_env({"TOWNHALL_CONFIG": str(target.config)})
    # the prompts as a previous start rendered them (the run's cache): the unit's own
    # start then renders nothing, as on a server's second start
    configure_asterisk(settings, AsteriskInstance(settings),
                       prompt_cache=prompt_cache(tmp_path_factory))
    running = Server(target, settings, root, {})
    try:
        yield running
    finally:
        for process in reversed(running.processes.values()):
            stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the unit's process group (systemd's KillMode=control-group), then KILL."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if process.poll() is not None:
            return
        try:
            os.killpg(process.pid, sig)
            process.wait(20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            continue


def test_asterisk_runs_in_the_foreground_as_the_units_main_process(server: Server) -> None:
    unit = "townhall-ivr-asterisk.service"
    asterisk = server.start(unit)
    ready = server.run(unit, "ExecStartPost")  # « asterisk wait »: what orders the others
    assert ready.returncode == 0, ready.stderr + server.log(unit)
    assert asterisk.poll() is None, server.log(unit)
    # exec'd: the unit's main pid is Asterisk itself, so systemd stops and restarts it
    argv = Path(f"/proc/{asterisk.pid}/cmdline").read_bytes().split(b"\0")
    assert Path(argv[0].decode()).name == "asterisk" and b"-f" in argv, argv
    assert AsteriskInstance(server.settings).is_running()
    with socket.create_connection(("127.0.0.1", server.settings.ami_port), timeout=10) as ami:
        assert ami.recv(64).startswith(b"Asterisk Call Manager")


def test_the_ivr_registers_its_stasis_application(server: Server) -> None:
    # the target wants one instance per IVR process; the second is its own ARI application
    wanted = server.unit("townhall-ivr.target")["Wants"][0].split()
    assert {"townhall-ivr-app@0.service", "townhall-ivr-app@1.service"} <= set(wanted)
    app = server.start("townhall-ivr-app@1.service")

    def registered() -> bool:
        return live_pid(app_ready_path(server.settings, 1)) == app.pid or app.poll() is not None

    assert eventually(registered, START_TIMEOUT) and app.poll() is None, \
        server.log("townhall-ivr-app@1.service")
    assert server.settings.app_name(1) in server.ari_applications()


def test_the_admin_answers_http(server: Server) -> None:
    admin = server.start("townhall-ivr-admin.service")
    url = f"http://127.0.0.1:{server.settings.admin_port}/login"

    def answers() -> int | None:
        try:
            return httpx.get(url, timeout=2).status_code
        except httpx.TransportError:
            return None if admin.poll() is None else -1

    assert eventually(answers, START_TIMEOUT) == 200, server.log("townhall-ivr-admin.service")


def test_the_scheduler_and_the_workers_run(server: Server) -> None:
    for unit in WORKERS:
        server.start(unit)
    app = server.settings.ari_app
    # the callback scheduler and the alert dialer each hold their own ARI application
    assert eventually(lambda: {f"{app}-callbacks", f"{app}-alerts"} <= server.ari_applications(),
                      START_TIMEOUT), {u: server.log(u) for u in WORKERS}
    for unit in WORKERS:
        assert server.processes[unit].poll() is None, server.log(unit)


def test_the_messages_units_are_skipped_while_unconfigured(server: Server) -> None:
    for unit in ("townhall-ivr-messages.service", "townhall-ivr-mail-reader.service"):
        skipped = server.run(unit, "ExecCondition")
        assert skipped.returncode == 1 and "non configuré" in skipped.stdout, skipped
