"""Fault scenarios of the load benchmark: the stack is broken while calls run.

Each returns the wave's figures plus its own (``WaveResult.extra``): how long the
application took to come back, and what the callers saw meanwhile.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import replace

from bench.load import Wave, WaveResult, run_wave
from bench.stack import BenchStack
from townhall_support.flood import SipFlood
from townhall_support.pg import TcpProxy


def _later(delay: float, action: Callable[[], None]) -> threading.Thread:
    """Run ``action`` on a thread after ``delay`` seconds."""

    def run() -> None:
        time.sleep(delay)
        action()

    thread = threading.Thread(target=run, name="fault", daemon=True)
    thread.start()
    return thread


def kill_app(stack: BenchStack, wave: Wave) -> WaveResult:
    """SIGKILL the IVR process halfway through the ramp-up; the supervisor restarts it."""
    back: dict[str, float] = {}

    def kill() -> None:
        pid, connections = stack.app_pid(), stack.ari_connections()
        if pid is None:
            return
        os.kill(pid, signal.SIGKILL)
        back["app connected again after kill -9, s"] = stack.wait_connected(connections)

    fault = _later(wave.calls / wave.rate / 2, kill)
    result = run_wave(stack, wave)
    fault.join()
    result.extra.update(back)
    return result


def restart_asterisk(stack: BenchStack, wave: Wave) -> WaveResult:
    """Restart Asterisk (no call up), then run the wave once the application is back."""
    started, connections = time.monotonic(), stack.ari_connections()
    stack.asterisk.restart(timeout=60)
    restarted = time.monotonic() - started
    reconnected = stack.wait_connected(connections, 60)
    result = run_wave(stack, wave)
    result.extra.update({"asterisk restart, s": restarted,
                         "app reconnected after Asterisk was up, s": reconnected})
    return result


def flood(stack: BenchStack, wave: Wave, rate: float = 1000) -> WaveResult:
    """The wave while ``rate`` bad SIP datagrams per second hit the SIP port."""
    with SipFlood(("127.0.0.1", stack.settings.sip_port), rate) as bad:
        started = time.monotonic()
        result = run_wave(stack, wave)
        elapsed = time.monotonic() - started
    result.extra["flood datagrams/s sent"] = bad.sent / elapsed
    return result


def db_outage(stack: BenchStack, wave: Wave, proxy: TcpProxy, seconds: float = 30) -> WaveResult:
    """Cut the database off for ``seconds`` while calls arrive and talk.

    The stack reaches PostgreSQL through ``proxy``; closing it resets the connections
    and refuses new ones. Calls are made to outlast the outage, so the contacts are
    counted after the database is back: every call must then be recorded once, from
    the writer's spool.
    """
    start = min(2.0, wave.calls / wave.rate / 2)
    wave = replace(wave, duration=max(wave.duration, start + seconds + 10))

    def cut() -> None:
        proxy.close()
        time.sleep(seconds)
        proxy.open()

    fault = _later(start, cut)
    result = run_wave(stack, wave)
    fault.join()
    result.extra["database unreachable, s"] = seconds
    return result
