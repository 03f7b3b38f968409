"""``townhall-ivr contacts …`` and ``townhall-ivr db …``: the store from the shell."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import click
from sqlalchemy.exc import OperationalError

from ivr.domain.date_bounds import check_date
from ivr.settings import Settings
from ivr.store.db import Store, public_url
from ivr.store.queries import contact_to_dict, get_contact, list_contacts

LIST_COLUMNS = ("id", "started_at", "caller", "target", "routed_by", "outcome", "wait_seconds")


class IsoDateTime(click.ParamType):
    """An ISO 8601 date or date-time; without a UTC offset it is read as UTC."""

    name = "ISO"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, datetime):
            return value
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            self.fail(f"{value!r} n'est pas une date ISO 8601", param, ctx)
        try:
            check_date(parsed)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


NO_STORE = (
    "aucune base de données n'existe encore ({db}) : lancez « townhall-ivr db upgrade » "
    "pour la créer, ou démarrez le serveur vocal avec « make run »"
)


def existing_store(settings: Settings) -> Store:
    """The store for a command that only reads: a clear French error when it was never
    created or migrated, or is unreachable, instead of a traceback."""
    store = Store(settings.db_url)
    try:
        ready = store.has_schema()
    except OperationalError as exc:
        store.dispose()
        db = public_url(settings.db_url)
        raise click.ClickException(f"base de données injoignable ({db}) : {exc.orig}") from None
    if not ready:
        store.dispose()
        raise click.ClickException(NO_STORE.format(db=public_url(settings.db_url)))
    return store


def _store(ctx: click.Context) -> Store:
    return existing_store(ctx.obj)


@click.group()
def contacts() -> None:
    """Contacts enregistrés (appels, formulaires, accueil)."""


@contacts.command("list")
@click.option("--since", type=IsoDateTime(), help="Début de période (ISO, UTC par défaut).")
@click.option("--until", type=IsoDateTime(), help="Fin de période, exclue.")
@click.option("--target", help="Service (ex. etat-civil).")
@click.option("--outcome", help="Issue (answered, abandoned_queue…).")
@click.option("--limit", default=100, show_default=True, help="Nombre maximal de contacts.")
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON (liste d'objets).")
@click.pass_context
def list_command(ctx: click.Context, as_json: bool, limit: int, **filters: Any) -> None:
    """Liste les contacts, du plus récent au plus ancien."""
    store = _store(ctx)
    with store.session() as session:
        rows = [contact_to_dict(c) for c in list_contacts(session, limit=limit, **filters)]
    store.dispose()
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    click.echo("\t".join(LIST_COLUMNS))
    for row in rows:
        click.echo("\t".join("" if row[k] is None else str(row[k]) for k in LIST_COLUMNS))


@contacts.command("show")
@click.argument("contact_id", type=int)
@click.pass_context
def show_command(ctx: click.Context, contact_id: int) -> None:
    """Affiche un contact et son historique (JSON)."""
    store = _store(ctx)
    with store.session() as session:
        contact = get_contact(session, contact_id)
        data = contact_to_dict(contact, events=True) if contact else None
    store.dispose()
    if data is None:
        raise click.ClickException(f"contact {contact_id} introuvable")
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@click.group()
def db() -> None:
    """Base de données des contacts (SQLite ou PostgreSQL)."""


@db.command("upgrade")
@click.pass_context
def upgrade_command(ctx: click.Context) -> None:
    """Crée ou met à jour le schéma (migrations Alembic)."""
    store = Store(ctx.obj.db_url)
    store.migrate()
    store.dispose()
    click.echo(f"schéma à jour : {public_url(store.url)}")


@db.command("url")
@click.pass_context
def url_command(ctx: click.Context) -> None:
    """Affiche l'URL de la base (sans mot de passe)."""
    settings: Settings = ctx.obj
    click.echo(public_url(settings.db_url))
