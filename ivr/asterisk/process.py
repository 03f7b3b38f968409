"""Start, watch and stop one Asterisk instance.

The instance runs ``asterisk -f`` (under chroot with the private root) detached in its
own session, so ``townhall-ivr asterisk start`` can return; a state file in the run
directory records the pid and paths so ``status``/``stop`` work from another process.
"Started" means ARI answers with our credentials and chan_pjsip is running, not merely
that the process exists: callers of ``start()`` go on to register the ARI app at once.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

import httpx

from ivr.asterisk.datadir import prepare_data_dir, prepare_hold_music
from ivr.asterisk.layout import InstanceLayout, Runtime
from ivr.asterisk.provision import provision
from ivr.asterisk.render import (
    AgentEndpoint,
    QueueSpec,
    RenderOptions,
    render_config,
    write_config,
)
from ivr.settings import Settings, connect_host

log = logging.getLogger(__name__)


class AsteriskError(RuntimeError):
    """Asterisk did not start, or did not answer a command."""


class AsteriskInstance:
    """One Asterisk process configured from ``settings`` (ports, credentials, home)."""

    def __init__(self, settings: Settings, runtime: Runtime | None = None) -> None:
        self.settings = settings
        self._runtime = runtime
        self._process: subprocess.Popen[bytes] | None = None

    # --- where things are -------------------------------------------------------
    @property
    def state_path(self) -> Path:
        return self.settings.run_dir / "instance.json"

    def _state(self) -> dict[str, object] | None:
        try:
            state: dict[str, object] = json.loads(self.state_path.read_text())
        except (FileNotFoundError, ValueError):
            return None
        return state

    @property
    def runtime(self) -> Runtime:
        """The runtime recorded by a running instance, else the provisioned one."""
        if self._runtime is None:
            state = self._state()
            if state is not None:
                root = state.get("root")
                self._runtime = Runtime(str(state["binary"]), Path(str(root)) if root else None)
            else:
                self._runtime = provision(self.settings)
        return self._runtime

    @property
    def layout(self) -> InstanceLayout:
        return InstanceLayout.for_settings(self.settings, self.runtime)

    @property
    def ari_url(self) -> str:
        """Base URL of ARI, e.g. ``http://127.0.0.1:8088/ari``."""
        return f"http://{connect_host(self.settings.ari_host)}:{self.settings.ari_port}/ari"

    @property
    def sounds_dir(self) -> Path:
        """Host folder whose files this Asterisk plays as ``townhall/<name>``."""
        return self.layout.sounds_dir

    @property
    def log_path(self) -> Path:
        return self.layout.log_path

    @property
    def fallback_log(self) -> Path:
        """Host path of the dialplan's log of calls answered without the IVR."""
        return self.layout.fallback_log

    @property
    def voicemail_spool(self) -> Path:
        """Host path of the voicemail boxes the IVR turns into requests."""
        return self.layout.voicemail_spool

    def recording_path(self, name: str) -> Path:
        """Host path of a caller's recording made by ARI (``c.RecordVoice``)."""
        return self.layout.dir("spool") / "recording" / f"{name}.wav"

    # --- preparing --------------------------------------------------------------
    def provision(self) -> Runtime:
        """Find or build the Asterisk runtime (see ``ivr.asterisk.provision``)."""
        self._runtime = provision(self.settings)
        return self._runtime

    def render(
        self,
        queues: Sequence[QueueSpec] = (),
        agents: Sequence[AgentEndpoint] = (),
        fallback_wait: int = 120,
    ) -> None:
        """Write this instance's configuration; reload or restart to apply it."""
        layout = self.layout
        layout.make_dirs()
        prepare_data_dir(layout)
        prepare_hold_music(layout)
        # ARI records callers here (``recording_path``) but never creates the folder:
        # without it every recording fails with « No such file or directory ».
        (layout.dir("spool") / "recording").mkdir(parents=True, exist_ok=True)
        options = RenderOptions(queues, agents, fallback_wait)
        write_config(render_config(self.settings, layout, options), layout.dir("etc"))
        self._link_settings_sounds(layout.sounds_dir)

    def _link_settings_sounds(self, target: Path) -> None:
        """Make ``settings.sounds_dir`` (the contract's path) lead to the instance's folder."""
        link = self.settings.sounds_dir
        if link.is_symlink() and link.resolve() != target.resolve():
            link.unlink()
        if not link.exists() and not link.is_symlink():
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(target, target_is_directory=True)

    # --- running ----------------------------------------------------------------
    def _asterisk(self, *args: str) -> list[str]:
        return self.runtime.command("-C", self.layout.inner(self.layout.config_file), *args)

    def is_running(self) -> bool:
        """True if the recorded pid is alive and is our Asterisk (not a reused pid)."""
        state = self._state()
        if state is None:
            return False
        try:
            cmdline = Path(f"/proc/{state['pid']}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            return False
        return str(state["config"]) in cmdline and self._process_alive(int(str(state["pid"])))

    def _process_alive(self, pid: int) -> bool:
        if self._process is not None and self._process.pid == pid:
            return self._process.poll() is None
        try:
            status = Path(f"/proc/{pid}/stat").read_text().split(") ")[-1][0]
        except OSError:
            return False
        return status != "Z"

    def start(self, timeout: float = 30.0) -> None:
        """Start Asterisk (rendering a default configuration if none) and wait until ready."""
        if self.is_running():
            log.info("asterisk already running", extra={"pid": self._state_pid()})
            return
        layout = self.layout
        if not layout.config_file.exists():
            self.render()
        console = (layout.dir("log") / "console.log").open("ab")
        with console:
            self._process = subprocess.Popen(
                self._asterisk("-f", "-n"),
                stdin=subprocess.DEVNULL,
                stdout=console,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._write_state(self._process.pid)
        log.info("asterisk starting", extra={"pid": self._process.pid, "ari": self.ari_url})
        try:
            self._wait_ready(time.monotonic() + timeout)
        except BaseException:
            self.stop()
            raise
        log.info(
            "asterisk ready", extra={"pid": self._process.pid, "sip_port": self.settings.sip_port}
        )

    def exec_foreground(self) -> NoReturn:
        """Become Asterisk in the foreground: under systemd the unit's main process is
        Asterisk itself, stopped and restarted by systemd (``exec`` keeps the pid the
        state file names, so ``cli``/``status`` work from other processes)."""
        if self.is_running():
            raise AsteriskError(f"Asterisk tourne déjà (pid {self._state_pid()})")
        if not self.layout.config_file.exists():
            self.render()
        argv = self._asterisk("-f", "-n")
        self._write_state(os.getpid())
        log.info("asterisk running in the foreground", extra={"pid": os.getpid()})
        sys.stdout.flush()
        sys.stderr.flush()
        os.execvp(argv[0], argv)

    def wait_ready(self, timeout: float) -> None:
        """Wait until an Asterisk started elsewhere (e.g. by systemd) answers ARI."""
        self._wait_ready(time.monotonic() + timeout)

    def _write_state(self, pid: int) -> None:
        root = self.runtime.root
        state = {
            "pid": pid,
            "binary": self.runtime.binary,
            "root": str(root) if root else None,
            "base": str(self.layout.base),
            "config": self.layout.inner(self.layout.config_file),
        }
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        self.state_path.write_text(json.dumps(state))

    def _state_pid(self) -> int | None:
        state = self._state()
        return int(str(state["pid"])) if state else None

    def _wait_ready(self, deadline: float) -> None:
        auth = (self.settings.ari_user, self.settings.ari_password)
        with httpx.Client(auth=auth, timeout=1.0) as client:
            while not self._ready(client):
                if self._process is not None and self._process.poll() is not None:
                    raise AsteriskError(
                        f"asterisk exited with {self._process.returncode}; "
                        f"see {self.layout.dir('log')}"
                    )
                if time.monotonic() > deadline:
                    raise AsteriskError(f"asterisk not ready in time; see {self.log_path}")
                time.sleep(0.05)
        self.cli("core waitfullybooted")

    def _ready(self, client: httpx.Client) -> bool:
        try:
            info = client.get(f"{self.ari_url}/asterisk/info")
            pjsip = client.get(f"{self.ari_url}/asterisk/modules/chan_pjsip.so")
        except httpx.TransportError:
            return False
        return (
            info.status_code == 200
            and pjsip.status_code == 200
            and (pjsip.json().get("status") == "Running")
        )

    def cli(self, command: str, timeout: float = 30.0) -> str:
        """Run one CLI command through the control socket (``asterisk -rx``)."""
        result = subprocess.run(
            self._asterisk("-rx", command), capture_output=True, text=True, timeout=timeout
        )
        if result.returncode != 0:
            raise AsteriskError(
                f"asterisk -rx {command!r}: {result.stderr.strip() or result.stdout}"
            )
        return result.stdout

    def reload(self, module: str) -> str:
        """Reload one module's configuration, e.g. ``res_pjsip.so`` or ``app_queue.so``."""
        return self.cli(f"module reload {module}")

    def stop(self, timeout: float = 10.0) -> None:
        """Graceful ``core stop now``, then SIGTERM, then SIGKILL; forget the state."""
        pid = self._state_pid()
        if pid is not None and self.is_running():
            self._terminate(pid, timeout)
        if self._process is not None:
            self._process.wait(timeout)
            self._process = None
        self.state_path.unlink(missing_ok=True)
        log.info("asterisk stopped", extra={"pid": pid})

    def _terminate(self, pid: int, timeout: float) -> None:
        try:
            self.cli("core stop now", timeout=timeout)
        except (AsteriskError, subprocess.TimeoutExpired) as exc:
            log.warning("graceful stop failed", extra={"pid": pid, "error": str(exc)})
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if self._wait_exit(pid, time.monotonic() + timeout):
                return
            log.warning(
                "asterisk still running, signalling", extra={"pid": pid, "signal": sig.name}
            )
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        self._wait_exit(pid, time.monotonic() + timeout)

    def _wait_exit(self, pid: int, deadline: float) -> bool:
        while time.monotonic() < deadline:
            if not self._process_alive(pid):
                return True
            time.sleep(0.05)
        return False

    def restart(self, timeout: float = 30.0) -> None:
        self.stop()
        self.start(timeout)
