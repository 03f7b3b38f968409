"""``townhall-ivr run | up | down | status | app``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import click
import httpx

from ivr.runfiles import (
    app_pid_path,
    is_ivr_app,
    live_pid,
    ready_app_pids,
    stack_pid,
)
from ivr.settings import Settings, connect_host
from ivr.stack.fact_duty import Duty, duty
from ivr.stack.peer_files import read_statuses
from ivr.stack.peers import PeerStatus
from ivr.stack.supervisor import serve_foreground

pass_settings = click.make_pass_decorator(Settings)


@click.command()
@click.option("--no-admin", is_flag=True, help="Do not start the admin web server.")
@pass_settings
def run(settings: Settings, no_admin: bool) -> None:
    """Run the whole stack in the foreground (Ctrl-C stops everything)."""
    if (pid := stack_pid(settings)) is not None:
        raise click.ClickException(f"already running (pid {pid}); `townhall-ivr down` first")
    serve_foreground(settings, with_admin=not no_admin)


@click.command()
@click.option("--timeout", default=120.0, show_default=True, help="Seconds to wait for readiness.")
@pass_settings
def up(settings: Settings, timeout: float) -> None:
    """Start the stack in the background (idempotent)."""
    if (pid := stack_pid(settings)) is not None:
        click.echo(f"already up (pid {pid})")
        return
    log = settings.home / "log" / "stack.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "ivr.cli", "run"], stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise click.ClickException(f"the stack exited (code {proc.returncode}); see {log}")
        if ready_app_pids(settings):
            click.echo(f"up (pid {proc.pid}); sip:3000@{settings.sip_host}:{settings.sip_port}")
            return
        time.sleep(0.5)
    raise click.ClickException(f"not ready after {timeout:.0f} s; see {log}")


@click.command()
@click.option("--timeout", default=30.0, show_default=True)
@pass_settings
def down(settings: Settings, timeout: float) -> None:
    """Stop the background stack (idempotent)."""
    pid = stack_pid(settings)
    if pid is None:
        click.echo("already down")
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and stack_pid(settings):
        time.sleep(0.2)
    if stack_pid(settings):
        os.kill(pid, signal.SIGKILL)
    click.echo("down")


@click.command()
@pass_settings
def status(settings: Settings) -> None:
    """Show what runs: supervisor, Asterisk/ARI, IVR application, admin."""
    sup = stack_pid(settings)
    click.echo(f"stack:     {f'up, pid {sup}' if sup else 'down'}")
    statuses = {s.index: s for s in read_statuses(settings)}
    for index in range(settings.ivr_processes):
        pid = live_pid(app_pid_path(settings, index))
        pid = pid if pid is not None and is_ivr_app(pid) else None  # a stale file's pid
        line = process_line(pid, statuses.get(index), list(statuses.values()), time.time())
        click.echo(f"ivr app {index}: {line}")
    ready = ready_app_pids(settings)
    taking = (f"taken by {len(ready)} of {settings.ivr_processes} IVR processes" if ready
              else "not taken by the IVR")
    click.echo(f"calls:     {taking} (ARI {settings.ari_host}:{settings.ari_port})")
    try:
        admin_url = f"http://{connect_host(settings.admin_host)}:{settings.admin_port}/login"
        admin = httpx.get(admin_url, timeout=2)
        click.echo(f"admin:     HTTP {admin.status_code} on port {settings.admin_port}")
    except httpx.HTTPError:
        click.echo(f"admin:     not reachable on port {settings.admin_port}")


FACT_DUTIES = {Duty.RECORDS: "records the queue facts",
               Duty.KEEPS: "keeps the queue facts (a lower process records them)",
               Duty.OFF: "reads no queue fact yet"}


def process_line(pid: int | None, status: PeerStatus | None, peers: list[PeerStatus],
                 now: float) -> str:
    """One IVR process for ``status``: pid, taking calls or not, calls, last event, and
    what it does with the queue facts."""
    if pid is None:
        return "not running"
    if status is None or status.pid != pid:
        return f"starting, pid {pid}"
    state = "taking calls" if status.ready else "not taking calls"
    last = (f"last event {now - status.last_event:.1f} s ago" if status.last_event
            else "no event yet")
    facts = FACT_DUTIES[duty(status, peers, now)]
    return f"{state}, pid {pid}, {status.calls} calls in progress, {last}, {facts}"


@click.command()
@click.option("--sounds-dir", type=click.Path(path_type=Path), default=None,
              help="Where Asterisk reads townhall/ prompts (default: the instance's).")
@click.option("--index", type=click.IntRange(0, 7), default=0, show_default=True,
              help="Which of the TOWNHALL_IVR_PROCESSES IVR processes this is.")
@pass_settings
def app(settings: Settings, sounds_dir: Path | None, index: int) -> None:
    """Run one IVR process (Asterisk must be running)."""
    from ivr.app import run_app
    if sounds_dir is None:
        from ivr.asterisk.process import AsteriskInstance
        sounds_dir = AsteriskInstance(settings).sounds_dir
    run_app(settings, sounds_dir, index)
