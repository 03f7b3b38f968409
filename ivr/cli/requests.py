"""``townhall-ivr requests …``: citizen requests from the shell (list, show, create,
set-status, import, unlock), each but unlock with ``--json``. A refused operation prints its French
message and exits with status 1; nothing is stored half-way.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from ivr.cli.store import existing_store
from ivr.requests import lifecycle
from ivr.requests.csv_import import parse_import, size_refusal
from ivr.requests.errors import RequestError
from ivr.requests.inputs import parse_date
from ivr.requests.reference import grouped, normalise
from ivr.rules import Rules, RulesError, load_rules
from ivr.store import request_import, self_service
from ivr.store import requests as repo
from ivr.store.citizens import NewCitizen
from ivr.store.db import Store
from ivr.store.models import CHANNELS

LIST_COLUMNS = ("reference", "type", "department", "status", "due_at", "agent")


@contextmanager
def _store(ctx: click.Context, waits: bool = False) -> Iterator[Store]:
    """The store, with refusals turned into a French error message (exit status 1); one
    never created says how to create it, unless the caller ``waits`` for it (a worker
    started before the IVR migrated the store retries)."""
    store = Store(ctx.obj.db_url) if waits else existing_store(ctx.obj)
    try:
        yield store
    except RequestError as exc:
        raise click.ClickException(exc.message) from None
    finally:
        store.dispose()


def _rules(ctx: click.Context) -> Rules:
    try:
        return load_rules(ctx.obj.rules_path)
    except RulesError as exc:
        raise click.ClickException(f"règles invalides :\n{exc}") from None


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _echo_request(view: repo.RequestView, rules: Rules) -> None:
    kind = lifecycle.request_type(rules, view.type)
    status = lifecycle.status(rules, view.type, view.status)
    click.echo(f"Demande {view.display_reference} — {kind.label} ({view.department})")
    due = view.due_at.astimezone(rules.town.zone)
    click.echo(f"Statut : {status.label} (version {view.version}) — échéance {due:%d/%m/%Y}")
    click.echo(f"Pour l'usager : {status.citizen}")
    for event in view.events:
        change = f"{event.from_status or '-'} → {event.to_status}"
        click.echo(f"  {event.at.isoformat()}  {event.actor:<16} {event.kind:<8} {change}"
                   + (f"  {event.note}" if event.note else ""))


@click.group()
def requests() -> None:
    """Demandes des usagers : suivi, création, changement de statut, import CSV."""


@requests.command("list")
@click.option("--department", help="Service (ex. titres-identite).")
@click.option("--status", help="Statut (ex. disponible).")
@click.option("--agent", help="Agent en charge.")
@click.option("--late", is_flag=True, help="Seulement les demandes en retard.")
@click.option("--all", "include_closed", is_flag=True, help="Inclure les demandes closes.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--offset", default=0, type=click.IntRange(0))
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON (liste d'objets).")
@click.pass_context
def list_command(ctx: click.Context, as_json: bool, late: bool, **filters: Any) -> None:
    """Liste les demandes à traiter : en retard d'abord, puis par échéance."""
    with _store(ctx) as store:
        rows = repo.worklist(store, now=ctx.obj.clock.now(), late_only=late, **filters)
    if as_json:
        _echo_json([row.to_dict() for row in rows])
        return
    click.echo("\t".join(LIST_COLUMNS))
    for row in rows:
        values = row.to_dict()
        click.echo("\t".join("" if values[k] is None else str(values[k]) for k in LIST_COLUMNS))


@requests.command("show")
@click.argument("reference")
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON.")
@click.pass_context
def show_command(ctx: click.Context, reference: str, as_json: bool) -> None:
    """Affiche une demande et son historique."""
    rules = _rules(ctx)
    with _store(ctx) as store:
        view = repo.get_request(store, reference)
        if as_json:
            _echo_json({**view.to_dict(), "citizen_sentence":
                        lifecycle.citizen_sentence(rules, view.type, view.status)})
        else:
            _echo_request(view, rules)


@requests.command("create")
@click.argument("type_id", metavar="TYPE")
@click.option("--name", help="Nom de l'usager.")
@click.option("--phone", "phones", multiple=True, help="Téléphone de l'usager (répétable).")
@click.option("--email", "emails", multiple=True, help="Courriel de l'usager (répétable).")
@click.option("--birth-date", help="Date de naissance (JJ/MM/AAAA), si le type la vérifie.")
@click.option("--channel", type=click.Choice(CHANNELS), default="counter", show_default=True)
@click.option("--department", help="Service, si ce n'est pas celui du type.")
@click.option("--subject", help="Objet.")
@click.option("--description", help="Description.")
@click.option("--pin", help="Code confidentiel (4 à 8 chiffres), si le type le vérifie.")
@click.option("--actor", default="cli", show_default=True, help="Qui enregistre la demande.")
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON.")
@click.pass_context
def create_command(ctx: click.Context, type_id: str, name: str | None, phones: tuple[str, ...],
                   emails: tuple[str, ...], birth_date: str | None, as_json: bool,
                   **fields: Any) -> None:
    """Enregistre une nouvelle demande et affiche sa référence."""
    rules = _rules(ctx)
    with _store(ctx) as store:
        born = parse_date(birth_date, "date de naissance") if birth_date else None
        citizen = None
        if name or phones or emails or born:
            citizen = NewCitizen(name=name, phones=phones, emails=emails, birth_date=born)
        view = repo.create_request(store, rules, type_id=type_id, at=ctx.obj.clock.now(),
                                   citizen=citizen, **fields)
    if as_json:
        _echo_json(view.to_dict())
    else:
        click.echo(f"Demande enregistrée : {view.display_reference} "
                   f"(échéance {view.due_at:%Y-%m-%d})")


@requests.command("set-status")
@click.argument("reference")
@click.argument("status")
@click.option("--note", help="Commentaire pour l'historique.")
@click.option("--expected-version", type=int, help="Version lue (refus si elle a changé).")
@click.option("--actor", default="cli", show_default=True, help="Qui fait le changement.")
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON.")
@click.pass_context
def set_status_command(ctx: click.Context, reference: str, status: str, note: str | None,
                       expected_version: int | None, actor: str, as_json: bool) -> None:
    """Fait passer une demande à un autre statut."""
    rules = _rules(ctx)
    with _store(ctx) as store:
        view = repo.change_status(store, rules, reference, status, actor=actor,
                                  at=ctx.obj.clock.now(), note=note,
                                  expected_version=expected_version)
    if as_json:
        _echo_json(view.to_dict())
    else:
        click.echo(f"Demande {view.display_reference} : {view.status} (version {view.version})")


@requests.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--actor", default="cli", show_default=True, help="Qui fait l'import.")
@click.option("--json", "as_json", is_flag=True, help="Rapport JSON.")
@click.pass_context
def import_command(ctx: click.Context, path: Path, actor: str, as_json: bool) -> None:
    """Met à jour des statuts en masse depuis un CSV « référence;statut;note ».

    Les lignes valides sont appliquées même si d'autres sont refusées ; le code de
    sortie est 1 si une ligne (ou le fichier) est refusée.
    """
    rules = _rules(ctx)
    refusal = size_refusal(path.stat().st_size)
    if refusal:  # do not read a huge file into memory to refuse it
        raise click.ClickException(refusal)
    parsed = parse_import(path.read_bytes())
    with _store(ctx) as store:
        report = request_import.apply_import(store, rules, parsed, actor=actor,
                                             at=ctx.obj.clock.now())
    if as_json:
        _echo_json(report.to_dict())
    elif report.fatal:
        click.echo(report.fatal)
    else:
        for result in report.results:
            click.echo(f"ligne {result.line} : {result.outcome} — {result.message}")
        click.echo(f"{report.count('appliquée')} appliquée(s), {report.count('déjà à jour')} "
                   f"déjà à jour, {report.count('refusée')} refusée(s)")
    if report.fatal or report.count("refusée"):
        ctx.exit(1)


@requests.command("unlock")
@click.argument("reference")
@click.option("--actor", default="cli", show_default=True, help="Qui déverrouille.")
@click.pass_context
def unlock_command(ctx: click.Context, reference: str, actor: str) -> None:
    """Rend une demande de nouveau consultable par téléphone (après trop d'échecs)."""
    with _store(ctx) as store:
        was_locked = self_service.unlock(store, reference, actor=actor, at=ctx.obj.clock.now())
    state = "déverrouillée" if was_locked else "n'était pas verrouillée"
    click.echo(f"Demande {grouped(normalise(reference))} : {state}.")
