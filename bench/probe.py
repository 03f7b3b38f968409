"""What the load benchmark measures from outside the processes under test.

- ``ProcessMeter``: CPU seconds (utime + stime from ``/proc/<pid>/stat``) and peak RSS
  of a process, so a figure is the process's own cost, not the machine's load (the
  machine is shared, and SIPp runs on it too).
- ``FirstRtp``: one UDP socket that every simulated caller advertises in its SDP; it
  keeps the arrival time of the first packet from each Asterisk RTP port. Asterisk sends
  from the port its 200 OK announced, so that port ties a first packet to its call.
- ``read_message_trace``: SIPp's ``-trace_msg`` file → per call, when the INVITE left,
  when the 200 OK arrived and which RTP port it announced.
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from townhall_support.flood import UdpThread

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")
# "----------------------------------------------- 2026-11-29 03:12:35.803085"
_HEADER = re.compile(r"^-{20,} (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+)$", re.M)
_CALL_ID = re.compile(r"^Call-ID:\s*(\S+)", re.M | re.I)
_MEDIA_PORT = re.compile(r"^m=audio (\d+)", re.M)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    # after the command name: state is field 3, utime 14 and stime 15 (1-based)
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


def run_queue_seconds(pid: int) -> float:
    """Seconds the process's live threads have waited for a CPU while runnable
    (``/proc/PID/task/*/schedstat``, second field; 0 once it is gone). A latency that
    grows with it is the machine's load, not the program's work."""
    waited = 0
    for stat in Path(f"/proc/{pid}/task").glob("*/schedstat"):
        try:
            waited += int(stat.read_text().split()[1])
        except (OSError, IndexError, ValueError):  # a thread that just ended
            continue
    return waited / 1e9


def rss_bytes(pid: int) -> int:
    """Resident memory now (0 once the process is gone)."""
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE
    except (OSError, IndexError):
        return 0


class ProcessMeter:
    """CPU and peak RSS of named processes over a run; a pid may change (a restart)."""

    def __init__(self, pids: dict[str, Callable[[], int | None]], every: float = 0.5) -> None:
        self._pids = pids
        self._every = every
        self.cpu: dict[str, float] = dict.fromkeys(pids, 0.0)
        self.peak_rss: dict[str, int] = dict.fromkeys(pids, 0)
        self._last: dict[str, tuple[int, float]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="meter", daemon=True)

    def __enter__(self) -> ProcessMeter:
        self._sample(initial=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            self._sample()

    def _sample(self, initial: bool = False) -> None:
        """Add the CPU used since the last sample.

        A process seen at the start has a history before the run (not counted); one
        that appears later (a restart) is counted from its birth. The CPU a dying
        process used after its last sample is lost: at most ``every`` seconds of it.
        """
        for name, current in self._pids.items():
            pid = current()
            if pid is None:
                continue
            used = cpu_seconds(pid)
            last = self._last.get(name)
            same = last is not None and last[0] == pid
            base = last[1] if same and last else (used if initial else 0.0)
            self.cpu[name] += max(0.0, used - base)
            self._last[name] = (pid, used)
            self.peak_rss[name] = max(self.peak_rss[name], rss_bytes(pid))


class FirstRtp(UdpThread):
    """A UDP socket noting when each source port starts sending, on its own thread.

    A port starts a burst when it was silent for ``GAP`` seconds: Asterisk may give a
    port freed by an ended call to a new one, and each call wants its own first packet.
    """

    GAP = 1.0

    def __init__(self, host: str = "127.0.0.1") -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        sock.bind((host, 0))
        sock.settimeout(0.2)
        super().__init__(sock, "first-rtp")
        self.port: int = sock.getsockname()[1]
        self.bursts: dict[int, list[float]] = {}

    def _run(self) -> None:
        last: dict[int, float] = {}
        recv, bursts, now = self._sock.recvfrom, self.bursts, time.time
        while not self._stop.is_set():
            try:
                _, (_, port) = recv(2048)
            except TimeoutError:
                continue
            at = now()
            if at - last.get(port, 0.0) > self.GAP:
                bursts.setdefault(port, []).append(at)
            last[port] = at

    def first_after(self, port: int, since: float, slack: float = 0.05) -> float | None:
        """When ``port`` first sent after ``since`` (minus clock-reading ``slack``)."""
        return next((at for at in self.bursts.get(port, ()) if at >= since - slack), None)


@dataclass
class TracedCall:
    """One call's signalling milestones, wall-clock seconds."""

    invite_sent: float | None = None
    answered: float | None = None
    media_port: int | None = None


def _messages(text: str) -> Iterator[tuple[float, str]]:
    """(timestamp, message block) for each message of a SIPp message trace."""
    marks = list(_HEADER.finditer(text))
    if not marks:  # a SIPp run that traced nothing (it did not start, under a load spike)
        return
    for mark, following in zip(marks, [*marks[1:], None], strict=True):
        stamp = datetime.strptime(mark.group(1), "%Y-%m-%d %H:%M:%S.%f").timestamp()
        yield stamp, text[mark.end():following.start() if following else len(text)]


def read_message_trace(path: Path) -> dict[str, TracedCall]:
    """Per Call-ID: first INVITE sent, first 200 OK to it received, its RTP port."""
    calls: dict[str, TracedCall] = {}
    if not path.exists():
        return calls
    for stamp, block in _messages(path.read_text(errors="replace")):
        call_id = _CALL_ID.search(block)
        if call_id is None:
            continue
        call = calls.setdefault(call_id.group(1), TracedCall())
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        direction, start = lines[0], lines[1]
        cseq = next((line for line in lines if line.lower().startswith("cseq:")), "")
        if "sent" in direction and start.startswith("INVITE ") and call.invite_sent is None:
            call.invite_sent = stamp
        elif ("received" in direction and start.startswith("SIP/2.0 200")
              and cseq.endswith("INVITE") and call.answered is None):
            call.answered = stamp
            port = _MEDIA_PORT.search(block)
            call.media_port = int(port.group(1)) if port else None
    return calls


def percentiles(values: list[float], points: tuple[int, ...] = (50, 95, 99)) -> dict[int, float]:
    """Nearest-rank percentiles (empty dict for no values)."""
    if not values:
        return {}
    ordered = sorted(values)
    return {p: ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]
            for p in points}
