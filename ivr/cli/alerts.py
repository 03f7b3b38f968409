"""``townhall-ivr alerts``: create, start, stop, resume and follow alert campaigns, and
run the alert dialer."""

from __future__ import annotations

import asyncio
import getpass
import json
import socket
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

import click
from sqlalchemy.orm import Session

from ivr.cli.store import existing_store
from ivr.requests.errors import InvalidInput
from ivr.rules.loader import RulesError, load_rules
from ivr.settings import Settings
from ivr.store import alerts as repo
from ivr.store.models import AlertCampaign

T = TypeVar("T")
ACTOR = f"cli:{getpass.getuser()}"[:64]  # who launched, in the audit log
STATE_LABELS = {"en_attente": "en attente", "en_cours": "en cours", "acquitte": "acquitté",
                "aide": "aide demandée", "messagerie": "message sur répondeur",
                "non_acquitte": "non acquitté", "echec": "échec"}


def _in_store(settings: Settings, work: Callable[[Session], T]) -> T:
    """Run ``work`` in one transaction; a refused change is a French error, no traceback."""
    store = existing_store(settings)
    try:
        with store.session() as session:
            return work(session)
    except InvalidInput as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        store.dispose()


@click.group()
def alerts() -> None:
    """Alertes (inondation…) : campagnes d'appels de toute la commune."""


@alerts.command("create")
@click.option("--title", required=True, help="Titre (vu dans l'administration et les SMS).")
@click.option("--mode", type=click.Choice(["alerte", "information"]), default="alerte",
              show_default=True)
@click.option("--message", "text", default=None, help="Texte lu par la voix de synthèse.")
@click.option("--audio", default=None, help="Son enregistré (nom de son Asterisk ou chemin).")
@click.option("--test", "test_mode", is_flag=True, help="N'appeler que la cellule de crise.")
@click.option("--channels", type=int, default=None, help="Appels simultanés, au plus.")
@click.option("--per-minute", type=int, default=None, help="Appels lancés par minute, au plus.")
@click.option("--max-attempts", type=int, default=None)
@click.option("--spacing", type=int, default=None, help="Secondes entre deux appels d'un habitant.")
@click.option("--copies", type=click.Choice(["secours", "parallele", "aucune"]),
              default="secours", show_default=True,
              help="Le message par SMS et e-mail : aux injoignables, à tous, ou à personne.")
@click.option("--by", "created_by", default=None, help="Qui lance la campagne (journal).")
@click.option("--start", "start_now", is_flag=True, help="Lancer aussitôt.")
@click.option("--confirm", is_flag=True, help="Lancer même si une autre campagne est en cours.")
@click.pass_context
def create_command(ctx: click.Context, title: str, mode: str, text: str | None,
                   audio: str | None, test_mode: bool, channels: int | None,
                   per_minute: int | None, max_attempts: int | None, spacing: int | None,
                   copies: str, created_by: str | None, start_now: bool, confirm: bool) -> None:
    """Create a campaign over the alert list and the safeguard register (or the crisis
    cell with --test)."""
    settings: Settings = ctx.obj
    try:
        rules = load_rules(settings.rules_path)
    except RulesError as exc:
        raise click.ClickException(str(exc)) from None
    new = repo.NewCampaign(title=title, mode=mode, created_via="cli", message_text=text,
                           message_audio=audio, test_mode=test_mode, created_by=created_by,
                           channel_budget=channels, calls_per_minute=per_minute,
                           max_attempts=max_attempts, retry_spacing_seconds=spacing,
                           text_copies=copies)
    now = settings.clock.now()

    def work(session: Session) -> tuple[int, int, str]:
        campaign = repo.create_campaign(session, rules.alerts, new, now)
        if start_now:
            repo.start(session, campaign.id, now, confirm=confirm, actor=created_by or ACTOR)
        return campaign.id, repo.counts(session, campaign.id).total, campaign.status

    campaign_id, total, status = _in_store(settings, work)
    click.echo(f"campagne {campaign_id} créée : {total} numéros, {status}")


def _moved(ctx: click.Context, campaign_id: int,
           move: Callable[[Session, datetime], AlertCampaign]) -> None:
    now = ctx.obj.clock.now()
    status = _in_store(ctx.obj, lambda session: move(session, now).status)
    click.echo(f"campagne {campaign_id} : {status}")


CONFIRM = click.option("--confirm", is_flag=True, help="Même si une autre campagne est en cours.")


@alerts.command("start")
@click.argument("campaign_id", type=int)
@CONFIRM
@click.pass_context
def start_command(ctx: click.Context, campaign_id: int, confirm: bool) -> None:
    """Start a draft campaign (refused while another runs, unless --confirm)."""
    _moved(ctx, campaign_id, lambda s, now: repo.start(s, campaign_id, now, confirm=confirm,
                                                       actor=ACTOR))


@alerts.command("stop")
@click.argument("campaign_id", type=int)
@click.pass_context
def stop_command(ctx: click.Context, campaign_id: int) -> None:
    """Stop dialling (calls in progress end normally)."""
    _moved(ctx, campaign_id, lambda s, now: repo.stop(s, campaign_id, now, actor=ACTOR))


@alerts.command("resume")
@click.argument("campaign_id", type=int)
@CONFIRM
@click.pass_context
def resume_command(ctx: click.Context, campaign_id: int, confirm: bool) -> None:
    """Resume a stopped campaign."""
    _moved(ctx, campaign_id, lambda s, now: repo.resume(s, campaign_id, now, confirm=confirm,
                                                        actor=ACTOR))


@alerts.command("status")
@click.argument("campaign_id", type=int, required=False)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def status_command(ctx: click.Context, campaign_id: int | None, as_json: bool) -> None:
    """Live figures of a campaign (the latest one by default)."""

    def work(session: Session) -> dict[str, object]:
        ident = campaign_id if campaign_id is not None else repo.latest_id(session)
        if ident is None:
            raise InvalidInput("Aucune campagne.")
        campaign = repo.get_campaign(session, ident)
        return {"id": campaign.id, "title": campaign.title, "status": campaign.status,
                "mode": campaign.mode, **repo.counts(session, ident).to_dict()}

    figures = _in_store(ctx.obj, work)
    if as_json:
        click.echo(json.dumps(figures, ensure_ascii=False))
        return
    click.echo(f"campagne {figures['id']} « {figures['title']} » : {figures['status']}")
    click.echo(f"  joints {figures['reached']}, acquittés {figures['acknowledged']}, "
               f"aide {figures['help']}, en attente {figures['pending']} "
               f"(sur {figures['total']})")
    by_state = figures["by_state"]
    assert isinstance(by_state, dict)
    for state, count in sorted(by_state.items()):
        click.echo(f"  {STATE_LABELS.get(state, state)} : {count}")
    failed = figures["failed"]
    assert isinstance(failed, dict)
    for reason, count in sorted(failed.items()):
        click.echo(f"  non joint — {reason} : {count}")


@alerts.command("run")
@click.option("--once", is_flag=True, help="One round of calls, then exit.")
@click.option("--worker", default=f"{socket.gethostname()}-alerts", show_default=True,
              help="This dialer's id; a dialer restarted under it takes its calls back.")
@click.option("--endpoint", default=None,
              help="Dial string template: {number} (E.164) or {national} "
                   "[default: TOWNHALL_CALLBACK_ENDPOINT].")
@click.option("--ring-timeout", default=30, show_default=True)
@click.option("--key-wait", default=6.0, show_default=True,
              help="Seconds given to press 1 or 2 after the question.")
@click.pass_context
def run_command(ctx: click.Context, once: bool, worker: str, endpoint: str | None,
                ring_timeout: int, key_wait: float) -> None:
    """Run the alert dialer (calls through ARI)."""
    from ivr.alerts.adapters.wiring import run_dialer

    settings: Settings = ctx.obj
    asyncio.run(run_dialer(settings, worker, endpoint or settings.callback_endpoint,
                           once=once, ring_timeout=ring_timeout, key_wait=key_wait))
