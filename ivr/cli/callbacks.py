"""``townhall-ivr callbacks``: the worklist, the scheduler loop, cancellation."""

from __future__ import annotations

import asyncio
import json
import socket
from datetime import datetime
from typing import Any

import click

from ivr.callbacks import repository as repo
from ivr.cli.store import existing_store
from ivr.settings import Settings
from ivr.store.db import Store
from ivr.store.models import CALLBACK_STATES, Callback

COLUMNS = ("id", "state", "target", "number", "due_at", "promised_before", "attempts",
           "max_attempts", "next_attempt_at", "claimed_by", "outcome", "note")


def _row(callback: Callback) -> dict[str, Any]:
    values = {name: getattr(callback, name) for name in COLUMNS}
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in values.items()}


def _store(ctx: click.Context) -> Store:
    return existing_store(ctx.obj)


@click.group()
def callbacks() -> None:
    """Rappels promis aux usagers : liste, planificateur, annulation."""


@callbacks.command("list")
@click.option("--state", "states", multiple=True, type=click.Choice(CALLBACK_STATES))
@click.option("--late", is_flag=True, help="Only callbacks whose promised window has passed.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.pass_context
def list_command(ctx: click.Context, states: tuple[str, ...], late: bool, as_json: bool) -> None:
    """List callbacks (all states by default)."""
    store = _store(ctx)
    with store.session() as session:
        if late:
            rows = [r for r in repo.late(session, ctx.obj.clock.now())
                    if not states or r.state in states]
        else:
            rows = repo.list_callbacks(session, states or None)
        lines = [_row(r) for r in rows]
    store.dispose()
    for line in lines:
        if as_json:
            click.echo(json.dumps(line, ensure_ascii=False))
        else:
            click.echo(f"{line['id']:>6} {line['state']:<9} {line['target'] or '-':<18} "
                       f"{line['number']:<14} due={line['due_at']} "
                       f"avant={line['promised_before']} essais={line['attempts']}"
                       f"/{line['max_attempts']} {line['outcome'] or ''}")


@callbacks.command("cancel")
@click.argument("callback_id", type=int)
@click.option("--reason", default="annulé par un opérateur", show_default=True)
@click.pass_context
def cancel_command(ctx: click.Context, callback_id: int, reason: str) -> None:
    """Cancel a callback nobody is dialling."""
    store = _store(ctx)
    try:
        with store.session() as session:
            repo.cancel(session, callback_id, reason, ctx.obj.clock.now())
    except repo.TransitionRefused as exc:
        raise click.ClickException(f"callback {callback_id}: {exc}") from exc
    finally:
        store.dispose()
    click.echo(f"callback {callback_id} cancelled")


@callbacks.command("run")
@click.option("--once", is_flag=True, help="One tick, then exit.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between ticks.")
@click.option("--worker", default=socket.gethostname(), show_default=True)
@click.option("--endpoint", default=None,
              help="Dial string template: {number} (E.164) or {national} "
                   "[default: TOWNHALL_CALLBACK_ENDPOINT].")
@click.pass_context
def run_command(ctx: click.Context, once: bool, interval: float, worker: str,
                endpoint: str | None) -> None:
    """Run the callback scheduler (dials through ARI)."""
    from ivr.callbacks.wiring import run_scheduler

    settings: Settings = ctx.obj
    asyncio.run(run_scheduler(settings, worker, endpoint or settings.callback_endpoint,
                              interval, once))
