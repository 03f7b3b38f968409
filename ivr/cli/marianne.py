"""``townhall-ivr marianne …``: the référentiel Marianne from the shell.

``report`` prints a month's PDF report (kept under the instance's home), ``escalate``
flags late complaints to the superviseur, ``acknowledge``/``answer`` follow a
complaint or suggestion, ``run`` is the job the stack supervisor keeps running: it
escalates, prints last month's report once from the 1st on, queues it to the élus
(``TOWNHALL_REPORT_RECIPIENTS``) through the messages outbox, once per address, and
texts the survey link to the callers who chose it (needs ``TOWNHALL_PUBLIC_URL``).
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from ivr.cli.requests import _rules, _store
from ivr.marianne.months import InvalidMonth, Month
from ivr.marianne.report_mail import recipients
from ivr.settings import Settings
from ivr.store.complaints import acknowledge, answer, escalate_late
from ivr.store.db import Store
from ivr.store.marianne import mail_report
from ivr.store.survey_links import send_links


@click.group()
def marianne() -> None:
    """Engagements Marianne : rapport mensuel, réclamations en retard, réponses."""


def _zone(ctx: click.Context) -> ZoneInfo:
    return _rules(ctx).town.zone


@marianne.command("report")
@click.option("--month", "month_text", default=None, help="AAAA-MM [défaut : le mois dernier].")
@click.option("--force", is_flag=True, help="Réécrire le rapport s'il existe déjà.")
@click.pass_context
def report_command(ctx: click.Context, month_text: str | None, force: bool) -> None:
    """Imprimer le rapport mensuel en PDF (une fois par mois)."""
    from admin.marianne_report import write_report

    settings: Settings = ctx.obj
    now, zone = settings.clock.now(), _zone(ctx)
    try:
        month = Month.parse(month_text) if month_text else Month.of(now, zone).shifted(-1)
    except InvalidMonth as exc:
        raise click.BadParameter(str(exc), param_hint="--month") from None
    with _store(ctx) as store:
        path, written = write_report(store, _rules(ctx), settings.home, month, zone, now,
                                     force=force)
    click.echo(f"{'rapport écrit' if written else 'rapport déjà présent'} : {path}")


@marianne.command("escalate")
@click.pass_context
def escalate_command(ctx: click.Context) -> None:
    """Transmettre au superviseur les réclamations et suggestions en retard."""
    settings: Settings = ctx.obj
    with _store(ctx) as store:
        late = escalate_late(store, now=settings.clock.now())
    click.echo(f"{len(late)} demande(s) transmise(s) au superviseur" +
               "".join(f"\n  {reference}" for reference in late))


@marianne.command("acknowledge")
@click.argument("reference")
@click.option("--actor", required=True)
@click.pass_context
def acknowledge_command(ctx: click.Context, reference: str, actor: str) -> None:
    """Envoyer l'accusé de réception d'une demande (par le canal de l'usager)."""
    with _store(ctx) as store:
        view = acknowledge(store, _rules(ctx), reference, actor=actor, at=ctx.obj.clock.now())
    click.echo(f"accusé de réception envoyé : {view.display_reference}")


@marianne.command("answer")
@click.argument("reference")
@click.option("--text", required=True, help="La réponse envoyée à l'usager.")
@click.option("--actor", required=True)
@click.option("--status", default=None, help="Statut final [défaut : le premier].")
@click.option("--adopted/--not-adopted", default=None, help="Suggestion retenue ou non.")
@click.pass_context
def answer_command(ctx: click.Context, reference: str, text: str, actor: str,
                   status: str | None, adopted: bool | None) -> None:
    """Clore une réclamation ou une suggestion par sa réponse à l'usager."""
    with _store(ctx) as store:
        view = answer(store, _rules(ctx), reference, text=text, actor=actor,
                      at=ctx.obj.clock.now(), to_status=status, adopted=adopted)
    click.echo(f"réponse enregistrée et mise en envoi : {view.display_reference} ({view.status})")


@marianne.command("run")
@click.option("--interval", default=300.0, show_default=True, help="Secondes entre deux passes.")
@click.option("--once", is_flag=True, help="Une passe, puis fin.")
@click.pass_context
def run_command(ctx: click.Context, interval: float, once: bool) -> None:
    """Escalader les retards et imprimer le rapport du mois écoulé, en boucle."""
    from admin.marianne_report import due_month, report_path, write_report

    settings: Settings = ctx.obj
    while True:
        now, zone = settings.clock.now(), _zone(ctx)
        with _store(ctx) as store:
            late = escalate_late(store, now=now)
            month = due_month(settings.home, now, zone)
            if month is not None:
                write_report(store, _rules(ctx), settings.home, month, zone, now)
            last = Month.of(now, zone).shifted(-1)
            sent = _mail_report(ctx, store, report_path(settings.home, last), last, now)
            links = _survey_links(ctx, store, now)
        click.echo(f"{len(late)} escaladée(s); rapport {month or 'à jour'}; "
                   f"{len(sent)} envoi(s) aux élus; {len(links)} lien(s) d'enquête", err=True)
        if once:
            return
        time.sleep(interval)  # a daemon's pause between passes, not a test wait


def _mail_report(ctx: click.Context, store: Store, path: Path, month: Month,
                 now: datetime) -> list[str]:
    """Queue the report to the élus not sent it yet (a wrong address is named, skipped)."""
    settings: Settings = ctx.obj
    to = recipients(settings.report_recipients)
    for address in to.refused:
        click.echo(f"TOWNHALL_REPORT_RECIPIENTS : adresse invalide ignorée « {address} »",
                   err=True)
    if not path.is_file() or not to.valid:
        return []
    return mail_report(store, path, month, _rules(ctx).town.name, to.valid, now)


def _survey_links(ctx: click.Context, store: Store, now: datetime) -> list[int]:
    """Text the survey link to the callers who chose it (none without a public URL)."""
    settings: Settings = ctx.obj
    if not settings.public_url:
        return []
    town = _rules(ctx).town
    return send_links(store, public_url=settings.public_url, town=town.name,
                      zone=town.timezone, now=now)
