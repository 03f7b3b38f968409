"""``townhall-ivr appointments …``: free slots, the iCalendar feed's secret address, the
CalDAV push (once, or ``run``: the stack's child that keeps pushing) and the reminders
due, from the shell."""

from __future__ import annotations

import time

import click
from sqlalchemy.exc import SQLAlchemyError

from ivr.appointments import reminders
from ivr.appointments.adapters.caldav_push import sync_pending
from ivr.cli.requests import _rules, _store
from ivr.requests.reference import grouped
from ivr.settings import Settings
from ivr.store import appointments as ap
from ivr.store import calendar_feeds


@click.group()
def appointments() -> None:
    """Rendez-vous : créneaux libres, flux iCalendar, recopie CalDAV, rappels."""


def _calendar(ctx: click.Context, calendar: str) -> None:
    if calendar not in _rules(ctx).appointments.calendars:
        raise click.ClickException(f"Agenda inconnu : « {calendar} ».")


@appointments.command()
@click.argument("calendar")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 200))
@click.pass_context
def slots(ctx: click.Context, calendar: str, limit: int) -> None:
    """Les prochains créneaux libres d'un agenda."""
    settings: Settings = ctx.obj
    rules = _rules(ctx)
    _calendar(ctx, calendar)
    with _store(ctx) as store:
        for start in ap.free_slots(store, rules, calendar, settings.clock.now(), limit=limit):
            click.echo(start.astimezone(rules.town.zone).isoformat())


@appointments.command()
@click.argument("calendar")
@click.pass_context
def feed(ctx: click.Context, calendar: str) -> None:
    """Crée l'adresse secrète du flux iCalendar d'un agenda (les précédentes sont révoquées)."""
    settings: Settings = ctx.obj
    _calendar(ctx, calendar)
    with _store(ctx) as store:
        token = calendar_feeds.new_feed(store, calendar, settings.clock.now())
    click.echo(f"/api/v1/appointments/feed/{token}.ics")


@appointments.command("revoke-feed")
@click.argument("calendar")
@click.pass_context
def revoke_feed(ctx: click.Context, calendar: str) -> None:
    """Révoque les adresses du flux iCalendar d'un agenda."""
    settings: Settings = ctx.obj
    with _store(ctx) as store:
        count = calendar_feeds.revoke(store, calendar, settings.clock.now())
    click.echo(f"{count} adresse(s) révoquée(s)")


@appointments.command()
@click.pass_context
def sync(ctx: click.Context) -> None:
    """Recopie les rendez-vous en attente dans les calendriers CalDAV des élus."""
    settings: Settings = ctx.obj
    with _store(ctx) as store:
        pushed, failed = sync_pending(store, _rules(ctx), settings.secret, settings.clock.now())
    click.echo(f"{pushed} recopié(s), {failed} en échec (nouvel essai plus tard)")


@appointments.command("run")
@click.option("--once", is_flag=True, help="Une passe, puis fin.")
@click.pass_context
def run_command(ctx: click.Context, once: bool) -> None:
    """Recopie CalDAV en continu (un enfant de la pile), toutes les TOWNHALL_CALDAV_SYNC s."""
    settings: Settings = ctx.obj
    while True:
        try:
            with _store(ctx, waits=True) as store:
                pushed, failed = sync_pending(store, _rules(ctx), settings.secret,
                                              settings.clock.now())
        except SQLAlchemyError as exc:
            if once:
                raise click.ClickException(f"base de données indisponible : {exc}") from None
            # not migrated yet (the IVR app does it at start) or away: the next pass retries
            click.echo(f"base de données indisponible : {str(exc)[:200]}", err=True)
            pushed = failed = 0
        if pushed or failed:
            click.echo(f"{pushed} recopié(s), {failed} en échec", err=True)
        if once:
            return
        time.sleep(settings.caldav_sync_seconds)  # a daemon's pause between passes


@appointments.command("reminders")
@click.pass_context
def due_reminders(ctx: click.Context) -> None:
    """Les rendez-vous dont le rappel (deux jours avant, à 9 heures) est dû maintenant."""
    settings: Settings = ctx.obj
    rules, now = _rules(ctx), settings.clock.now()
    with _store(ctx) as store:
        upcoming = ap.upcoming(store, now, now + reminders.LOOKAHEAD)
    for view in reminders.due(upcoming, now, rules.town.zone, reminded=frozenset()):
        click.echo(f"{grouped(view.reference)}  {view.calendar}  "
                   f"{view.start.astimezone(rules.town.zone).isoformat()}")
