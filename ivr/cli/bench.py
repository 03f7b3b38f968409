"""``townhall-ivr bench``: measurements of the whole stack on this machine.

The benchmark code is the ``bench`` package, installed beside ``ivr``; it is imported
when a benchmark runs, not for every command.
"""

from __future__ import annotations

import click


def _levels(text: str) -> list[int]:
    try:
        return sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError as exc:
        raise click.BadParameter("comma-separated call counts, e.g. 100,200,300,500") from exc


@click.group()
def bench() -> None:
    """Benchmarks of the running system (each starts its own stack on free ports)."""


@bench.command("calls")
@click.option("--concurrent", type=click.IntRange(1), default=200, show_default=True,
              help="Calls in progress at once.")
@click.option("--duration", type=click.FloatRange(2), default=20.0, show_default=True,
              help="Seconds each call lasts, from the answer to the caller's hang-up.")
@click.option("--calls", type=click.IntRange(1), default=None,
              help="Calls placed in all [default: --concurrent].")
@click.option("--rate", type=click.FloatRange(0.1), default=None,
              help="New calls per second [default: all started within ~8 s].")
@click.option("--scenario", type=click.Choice(["dtmf", "speech", "kill-app",
                                               "restart-asterisk", "flood", "db-outage"]),
              default="dtmf", show_default=True,
              help="dtmf / speech: the IVR (callers key, or speak to the vosk model of "
                   "TOWNHALL_VOSK_MODEL) and the native dialplan; the others break the "
                   "stack under load (db-outage runs on PostgreSQL, cut for 30 s).")
@click.option("--ramp", "ramp_levels", default="", metavar="N,N,…",
              help="Also find the knee of both paths at these concurrencies, e.g. 100,200,300,500.")
@click.option("--ramp-duration", type=click.FloatRange(2), default=12.0, show_default=True)
@click.option("--agents", type=click.IntRange(1), default=None,
              help="Agents answering the routed departments (one SIPp phone for all) "
                   "[default: --concurrent, so every call is answered, none overflows].")
@click.option("--keys", default=None,
              help="Digits the IVR callers key [default: the native callers' key, the "
                   "same choice: police municipale, which the bench adds to the main "
                   "menu]. 11 goes through the « démarches » sub-menu.")
@click.option("--repeat", type=click.IntRange(1), default=1, show_default=True,
              help="IVR and native waves, alternated this many times; the ratio is "
                   "taken over all of them.")
def calls(concurrent: int, duration: float, calls: int | None, rate: float | None,
          scenario: str, ramp_levels: str, ramp_duration: float, agents: int | None,
          keys: str | None, repeat: int) -> None:
    """Simultaneous citizen calls through the IVR and through the native dialplan."""
    if keys is not None and (not keys or not set(keys) <= set("0123456789*#")):
        raise click.BadParameter("keypad digits, e.g. 6 or 11", param_hint="--keys")
    from bench.load import SAME_KEY
    from bench.runner import BenchError, run_calls
    try:
        report = run_calls(concurrent=concurrent, duration=duration, calls=calls, rate=rate,
                           scenario=scenario, ramp_levels=_levels(ramp_levels),
                           ramp_duration=ramp_duration, agents=agents or concurrent,
                           keys=keys or SAME_KEY, repeat=repeat)
    except BenchError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo("\n".join(report))


@bench.command("alerts")
@click.option("--recipients", type=click.IntRange(1), default=2000, show_default=True)
@click.option("--channels", type=click.IntRange(1), default=200, show_default=True,
              help="The campaign's channel budget (calls at once).")
@click.option("--message-seconds", type=click.FloatRange(1), default=20.0, show_default=True,
              help="Length of the recorded message (played twice).")
@click.option("--timeout", type=click.FloatRange(10), default=3600.0, show_default=True)
def alerts(recipients: int, channels: int, message_seconds: float, timeout: float) -> None:
    """An alert campaign through Asterisk to SIPp residents, until everyone is final."""
    from bench.alerts import main
    main(["--recipients", str(recipients), "--channels", str(channels),
          "--message-seconds", str(message_seconds), "--timeout", str(timeout)])
@bench.command("self-service")
@click.option("--calls", type=click.IntRange(1), default=100, show_default=True,
              help="Callers asking the status of a request, all in progress at once.")
@click.option("--rate", type=click.FloatRange(0.1), default=50.0, show_default=True,
              help="New calls per second.")
@click.option("--references", type=click.IntRange(1, 99), default=10, show_default=True,
              help="Requests the callers ask about (one SIPp run each), each said with "
                   "its own dates.")
@click.option("--db-url", default=None, help="Store of the stack [default: a fresh SQLite].")
def self_service(calls: int, rate: float, references: int, db_url: str | None) -> None:
    """Last key → first audio of a request's status, over SIPp calls on a private stack."""
    from bench.machine import describe
    from bench.selfservice_calls import run_self_service
    click.echo(describe("self-service calls"))
    click.echo("\n".join(run_self_service(calls, rate, references, db_url)))
