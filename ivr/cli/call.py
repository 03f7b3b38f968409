"""``townhall-ivr call``: place a simulated citizen call and report it."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import click

from ivr.settings import Settings
from ivr.simulate import default_cache_dir, describe, lookup_contact, place_call
from ivr.sipp.scenario import ScenarioError


@click.command("call")
@click.option("--dtmf", default="", help="Digits to key after the greeting (0-9, #, *).")
@click.option("--say", default=None, help="French words to speak after the digits.")
@click.option("--from", "caller", default="0612345678", show_default=True)
@click.option("--to", "called", default="3000", show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=None, help="SIP port [default: TOWNHALL_SIP_PORT].")
@click.option("--hold", type=float, default=8.0, show_default=True,
              help="Seconds to stay on the line after the last step.")
@click.option("--timeout", type=float, default=60.0, show_default=True)
@click.option("--record", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Save what was heard as a WAV file.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_obj
def call(settings: Settings | None, dtmf: str, say: str | None, caller: str, called: str,
         host: str, port: int | None, hold: float, timeout: float, record: Path | None,
         as_json: bool) -> None:
    """Place a simulated citizen call to the running stack and report it."""
    settings = settings or Settings.from_env()
    try:
        result = place_call(host, port or settings.sip_port, dtmf=dtmf, say=say,
                            caller=caller, called=called, hold_seconds=hold, timeout=timeout,
                            record=record, cache_dir=default_cache_dir(settings))
    except ScenarioError as exc:
        raise click.UsageError(str(exc)) from exc
    contact = lookup_contact(settings.db_url, result.ref) if result.answered else None
    if as_json:
        click.echo(json.dumps({**asdict(result), "contact": contact}, default=str))
    else:
        click.echo("\n".join(describe(result, contact)))
    if result.error:
        raise SystemExit(1)
