"""``townhall-ivr messages``: the sender loop, the outbox, incoming SMS by hand."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime

import click
from sqlalchemy import select

from ivr.cli.store import existing_store
from ivr.rules import load_rules
from ivr.settings import Settings
from ivr.store.db import Store
from ivr.store.models import MESSAGE_STATES, Message

log = logging.getLogger(__name__)
COLUMNS = ("id", "channel", "recipient", "state", "attempts", "purpose", "template",
           "created_at", "sent_at", "delivered_at", "reason")


@click.group()
def messages() -> None:
    """SMS et courriels : envoi, journal, messages entrants."""


@messages.command("run")
@click.option("--once", is_flag=True, help="One tick, then exit.")
@click.option("--interval", default=1.0, show_default=True, help="Seconds between idle ticks.")
@click.pass_context
def run_command(ctx: click.Context, once: bool, interval: float) -> None:
    """Run the sender: hands due messages to Kannel and the SMTP relay."""
    from ivr.messages.adapters.wiring import sender

    settings: Settings = ctx.obj
    store = Store(settings.db_url)
    worker = sender(settings, store)
    if not worker.gateways:
        raise click.ClickException("Aucune passerelle configurée (TOWNHALL_KANNEL_SENDSMS_URL, "
                                   "TOWNHALL_SMTP_HOST).")
    try:
        asyncio.run(worker.tick() if once else worker.run_forever(interval))
    finally:
        store.dispose()


@messages.command("list")
@click.option("--state", "states", multiple=True, type=click.Choice(MESSAGE_STATES))
@click.option("--limit", default=100, show_default=True)
@click.pass_context
def list_command(ctx: click.Context, states: tuple[str, ...], limit: int) -> None:
    """The messages log, newest first, one JSON object per line."""
    store = existing_store(ctx.obj)
    query = select(Message).order_by(Message.id.desc()).limit(limit)
    if states:
        query = query.where(Message.state.in_(states))
    with store.session() as session:
        rows = [{c: getattr(r, c) for c in COLUMNS} for r in session.scalars(query)]
    store.dispose()
    for row in rows:
        click.echo(json.dumps({k: v.isoformat() if isinstance(v, datetime) else v
                               for k, v in row.items()}, ensure_ascii=False))


@messages.command("receive-sms")
@click.option("--from", "sender", required=True, help="The sender's number.")
@click.argument("text")
@click.pass_context
def receive_command(ctx: click.Context, sender: str, text: str) -> None:
    """Record an incoming SMS as Kannel would pass it on (STOP, reference, other)."""
    from ivr.store.inbound import receive_sms

    settings: Settings = ctx.obj
    store = existing_store(settings)
    try:
        received = receive_sms(store, load_rules(settings.rules_path), sender=sender,
                               text=text, at=settings.clock.now())
    finally:
        store.dispose()
    click.echo(json.dumps(received.__dict__, ensure_ascii=False))


@messages.command("lists")
@click.pass_context
def lists_command(ctx: click.Context) -> None:
    """The information lists and their subscriber counts."""
    from ivr.store.subscriptions import lists

    store = existing_store(ctx.obj)
    try:
        for item in lists(store):
            click.echo(f"{item.name:<16} {item.subscribers:>6}  {item.label}")
    finally:
        store.dispose()


@messages.command("subscribe")
@click.option("--citizen", "citizen_id", type=int, required=True)
@click.option("--list", "name", required=True)
@click.option("--off", is_flag=True, help="Unsubscribe instead.")
@click.option("--channel", default="counter", show_default=True)
@click.option("--wording", required=True, help="The sentence the citizen agreed to.")
@click.option("--actor", required=True, help="Who records it (an agent's name).")
@click.pass_context
def subscribe_command(ctx: click.Context, citizen_id: int, name: str, off: bool, channel: str,
                      wording: str, actor: str) -> None:
    """Subscribe a citizen to a list (or unsubscribe), as an agent, with the proof."""
    from ivr.requests.errors import RequestError
    from ivr.store.subscriptions import set_subscription

    settings: Settings = ctx.obj
    store = existing_store(settings)
    try:
        set_subscription(store, citizen_id, name, subscribed=not off, at=settings.clock.now(),
                         channel=channel, wording=wording, actor=actor)
    except RequestError as exc:
        raise click.ClickException(exc.message) from None
    finally:
        store.dispose()
    click.echo("désinscrit" if off else "inscrit")


@messages.command("consents")
@click.option("--citizen", "citizen_id", type=int, required=True)
@click.pass_context
def consents_command(ctx: click.Context, citizen_id: int) -> None:
    """The citizen's whole consent register as JSON (GDPR access request)."""
    from ivr.store.subscriptions import consent_register

    store = existing_store(ctx.obj)
    try:
        click.echo(json.dumps(consent_register(store, citizen_id), ensure_ascii=False, indent=1))
    finally:
        store.dispose()


@messages.command("fetch-mail")
@click.option("--every", type=float, default=0.0,
              help="Read the mailbox again every N seconds (0: once).")
@click.pass_context
def fetch_mail_command(ctx: click.Context, every: float) -> None:
    """Read the contact mailbox (IMAP): each unread mail becomes a contact or a request."""
    import time

    from ivr.messages.adapters.imap import UNREACHABLE, ImapConfig, poll

    settings: Settings = ctx.obj
    if not settings.imap_host:
        raise click.ClickException("Boîte de contact non configurée (TOWNHALL_IMAP_HOST).")
    config = ImapConfig(settings.imap_host, settings.imap_port, settings.imap_user,
                        settings.imap_password, settings.imap_tls)
    store = Store(settings.db_url)
    try:
        while True:
            try:
                received = poll(config, store, load_rules(settings.rules_path),
                                settings.attachments_dir, settings.clock.now())
            except UNREACHABLE as exc:
                if every <= 0:
                    raise click.ClickException(f"Boîte de contact injoignable : {exc}") from None
                log.warning("mailbox unreachable; next try in %s s", every,
                            extra={"error": type(exc).__name__})
                received = []
            for item in received:
                click.echo(json.dumps(item.__dict__, ensure_ascii=False))
            if every <= 0:
                return
            time.sleep(every)
    finally:
        store.dispose()
