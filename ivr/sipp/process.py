"""Running SIPp: one process per phone or call batch, in its own working directory.

Every run is bounded (``-timeout``, ``-m`` for callers, a kill on our own deadline)
and leaves its facts in files we read back: ``<log>`` actions (``-trace_logs``),
errors (``-trace_err``) and statistics (``-trace_stat``).
"""

from __future__ import annotations

import csv
import logging
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

SIPP = "sipp"
# How SIPp prints an error: "2026-11-29<TAB>02:57:33.030698<TAB>1795921053.030698: text".
_EVENT = re.compile(r"\d{4}-\d\d-\d\d\t[\d:.]+\t[\d.]+: ([^\n]+)")


def local_ip_towards(host: str) -> str:
    """The local address the kernel would use to reach ``host`` (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect((host, 9))
        return str(probe.getsockname()[0])


def free_media_port(host: str) -> int:
    """An even UDP port with port+2 also free (SIPp binds both for audio and video)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as first:
            first.bind((host, 0))
            port = int(first.getsockname()[1]) & ~1
            try:
                for candidate in (port, port + 2):
                    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as other:
                        other.bind((host, candidate))
            except OSError:
                continue
            return port
    raise OSError("no free UDP port pair for SIPp media")


def free_sip_port(host: str) -> int:
    """A free UDP port for a SIPp signalling socket."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _options(source: tuple[str, int], host: str, port: int) -> bytes:
    """An out-of-dialog OPTIONS request, used to see that a SIPp phone listens."""
    here = f"{source[0]}:{source[1]}"
    return (f"OPTIONS sip:ping@{host}:{port} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP {here};branch=z9hG4bK-{uuid.uuid4().hex}\r\n"
            f"From: <sip:ready@{here}>;tag=ready\r\nTo: <sip:ping@{host}:{port}>\r\n"
            f"Call-ID: ready-{uuid.uuid4().hex}\r\nCSeq: 1 OPTIONS\r\n"
            "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n").encode()


def _duration_ms(value: str) -> float:
    """SIPp writes durations as HH:MM:SS:microseconds."""
    hours, minutes, seconds, micros = (int(part) for part in value.split(":"))
    return ((hours * 60 + minutes) * 60 + seconds) * 1000 + micros / 1000


@dataclass(frozen=True)
class SippStats:
    """Cumulative counters of a run, from the last line of SIPp's statistics file."""

    created: int
    successful: int
    failed: int
    response_time_ms: float
    call_length_ms: float


def parse_stats(path: Path) -> SippStats | None:
    """Read the final cumulative row of a ``-trace_stat`` CSV (None if absent)."""
    if not path.exists():
        return None
    rows = list(csv.DictReader(path.read_text().splitlines(), delimiter=";"))
    if not rows:
        return None
    last = rows[-1]
    return SippStats(
        created=int(last["TotalCallCreated"]),
        successful=int(last["SuccessfulCall(C)"]),
        failed=int(last["FailedCall(C)"]),
        response_time_ms=_duration_ms(last["ResponseTime1(C)"]),
        call_length_ms=_duration_ms(last["CallLength(C)"]),
    )


class SippProcess:
    """One SIPp process with its scenario, logs and statistics in a temp directory."""

    def __init__(self, scenario_xml: str, *, local_ip: str, sip_port: int | None = None,
                 media_port: int | None = None, lifetime: float = 60,
                 injection: Sequence[str] = ()) -> None:
        """``injection``: one value per call, in order (``[field0]`` in the scenario)."""
        self.workdir = Path(tempfile.mkdtemp(prefix="townhall-sipp-"))
        (self.workdir / "scenario.xml").write_text(scenario_xml, encoding="iso-8859-1")
        self.injection = bool(injection)
        if injection:
            rows = "".join(f"{value};\n" for value in injection)
            (self.workdir / "injection.csv").write_text(f"SEQUENTIAL\n{rows}")
        self.local_ip = local_ip
        self.sip_port = sip_port or free_sip_port(local_ip)
        self.media_port = media_port or free_media_port(local_ip)
        self.lifetime = lifetime
        self._proc: subprocess.Popen[bytes] | None = None

    def argv(self, *, remote: str | None = None, calls: int | None = None,
             limit: int = 1, rate: float = 10) -> list[str]:
        """SIPp arguments; callers pass ``remote`` and ``calls``, phones neither."""
        wd = self.workdir
        args = [SIPP, "-sf", str(wd / "scenario.xml"), "-i", self.local_ip,
                "-p", str(self.sip_port), "-mp", str(self.media_port), "-nostdin",
                "-aa", "-timeout", f"{max(1, round(self.lifetime))}s",
                "-trace_err", "-error_file", str(wd / "errors.log"),
                "-trace_logs", "-log_file", str(wd / "actions.log"),
                "-trace_stat", "-stf", str(wd / "stats.csv"), "-fd", "1"]
        if self.injection:
            args += ["-inf", str(wd / "injection.csv")]
        if calls is not None:
            # Without -timeout_error a caller stuck on a dead peer ignores -timeout.
            args += ["-m", str(calls), "-l", str(limit), "-r", f"{rate:g}", "-timeout_error"]
        return args + ([remote] if remote else [])

    def start(self, **argv_options: object) -> None:
        """Start SIPp in the background (its screen output goes to a file)."""
        argv = self.argv(**argv_options)  # type: ignore[arg-type]
        with open(self.workdir / "screen.txt", "wb") as screen:
            self._proc = subprocess.Popen(argv, cwd=self.workdir, stdin=subprocess.DEVNULL,
                                          stdout=screen, stderr=subprocess.STDOUT,
                                          start_new_session=True)
        log.debug("sipp started", extra={"argv": " ".join(argv), "pid": self._proc.pid})

    def ready(self, timeout: float = 5.0) -> None:
        """Return once this phone answers SIP (an OPTIONS ping, auto-answered by ``-aa``).

        Raises RuntimeError with SIPp's own words if it exited (bad scenario, port taken).
        """
        assert self._proc is not None, "start() first"
        deadline = time.monotonic() + timeout
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.bind((self.local_ip, 0))
            probe.settimeout(0.2)
            while self._proc.poll() is None and time.monotonic() < deadline:
                probe.sendto(_options(probe.getsockname(), self.local_ip, self.sip_port),
                             (self.local_ip, self.sip_port))
                try:
                    if probe.recv(4096).startswith(b"SIP/2.0 200"):
                        return
                except (TimeoutError, ConnectionRefusedError):
                    continue
        self.stop()
        raise RuntimeError(f"sipp did not start: {self.errors() or 'no answer to OPTIONS'}")

    def wait(self, timeout: float) -> int | None:
        """Wait for SIPp to end; kill it past ``timeout`` and return None."""
        assert self._proc is not None, "start() first"
        try:
            return self._proc.wait(timeout)
        except subprocess.TimeoutExpired:
            log.warning("sipp overran, killed", extra={"pid": self._proc.pid})
            self._kill()
            return None

    def stop(self) -> int | None:
        """Make SIPp quit now (SIGTERM; SIGUSR1 would wait for open dialogs), then reap it."""
        if self._proc is None or self._proc.poll() is not None:
            return None if self._proc is None else self._proc.returncode
        self._proc.send_signal(signal.SIGTERM)
        try:
            return self._proc.wait(3)
        except subprocess.TimeoutExpired:
            self._kill()
            return None

    def _kill(self) -> None:
        assert self._proc is not None
        self._proc.kill()
        self._proc.wait()

    def log_lines(self) -> list[str]:
        """Lines written by the scenario's ``<log>`` actions so far."""
        path = self.workdir / "actions.log"
        return path.read_text(errors="replace").splitlines() if path.exists() else []

    def errors(self) -> str:
        """SIPp's own error messages (error log, then screen), one per line."""
        texts = [p.read_text(errors="replace")
                 for p in (self.workdir / "errors.log", self.workdir / "screen.txt")
                 if p.exists()]
        messages = dict.fromkeys(m for text in texts for m in _EVENT.findall(text))
        return "\n".join(messages)[-2000:]

    def stats(self) -> SippStats | None:
        return parse_stats(self.workdir / "stats.csv")

    def cleanup(self) -> None:
        """Remove the working directory (the process must have ended)."""
        shutil.rmtree(self.workdir, ignore_errors=True)
