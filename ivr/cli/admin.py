"""``townhall-ivr admin``: serve the admin, create users and API tokens."""

from __future__ import annotations

import logging
import sys
from datetime import timedelta

import click

from ivr.settings import Settings

log = logging.getLogger(__name__)
ADMIN_THREADS = 48  # the desks' streams (one per open page) and the pages themselves


@click.group()
def admin() -> None:
    """Administration web (interface en français)."""


@admin.command()
@click.option("--port", type=int, default=None, help="Port TCP (défaut : TOWNHALL_ADMIN_PORT).")
@click.option("--host", default=None, help="Adresse d’écoute (défaut : TOWNHALL_BIND).")
@click.pass_obj
def serve(settings: Settings, port: int | None, host: str | None) -> None:
    """Migrate the store, then serve the admin with waitress."""
    import waitress

    from admin import create_app, live_queues

    _migrate(settings)
    app = create_app(settings)
    host, port = host or settings.admin_host, port or settings.admin_port
    log.info("admin serving", extra={"url": f"http://{host}:{port}/"})
    try:
        # each open « Mon poste » page holds a thread on its event stream (up to 10 min,
        # then the browser reconnects): with 4 threads, four agents' desks stalled the admin
        waitress.serve(app, host=host, port=port, threads=ADMIN_THREADS, ident="townhall-admin")
    finally:
        live_queues.stop_listener(app)


def _migrate(settings: Settings) -> None:
    """Bring the schema to the latest revision; stop with a clear message if unreachable."""
    from sqlalchemy.exc import OperationalError

    from ivr.store.db import Store, public_url

    store = Store(settings.db_url)
    try:
        store.migrate()
    except OperationalError as exc:
        db = public_url(settings.db_url)
        log.error("admin database unreachable", extra={"db": db, "error": str(exc.orig)})
        raise click.ClickException(f"base de données injoignable ({db}) : {exc.orig}") from exc
    finally:
        store.dispose()


def _password(from_stdin: bool) -> str:
    """The password, from one line of stdin or prompted twice."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return click.prompt("Mot de passe", hide_input=True, confirmation_prompt=True)


@admin.command("create-user")
@click.argument("username")
@click.option(
    "--role", required=True,
    type=click.Choice(["administrateur", "superviseur", "agent", "elu", "crise"]),
)
@click.option("--department", default=None, help="Service de l’agent (identifiant des règles).")
@click.option("--password-stdin", is_flag=True, help="Lire le mot de passe sur l’entrée standard.")
@click.pass_obj
def create_user(
    settings: Settings, username: str, role: str, department: str | None, password_stdin: bool
) -> None:
    """Create an admin account (the password is hashed with scrypt)."""
    from admin.accounts import AccountError, add_user
    from ivr.store.db import Store

    if role == "agent" and not department:
        raise click.UsageError("un agent doit avoir --department")
    password = _password(password_stdin)
    store = Store(settings.db_url)
    try:
        with store.session() as session:
            add_user(
                session, settings.clock.now(), username, password, role, department, actor="cli"
            )
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        store.dispose()
    click.echo(f"compte {username} créé ({role})")


@admin.command("create-token")
@click.argument("name")
@click.option("--scope", "scopes", multiple=True, default=("full",), show_default=True,
              help="Portée (répétable) : full, contacts:create, contacts:read, "
                   "requests:read.")
@click.option("--expires-days", type=click.IntRange(min=1), default=None,
              help="Jours de validité (défaut : sans expiration).")
@click.pass_obj
def create_token(
    settings: Settings, name: str, scopes: tuple[str, ...], expires_days: int | None
) -> None:
    """Create an API token and print it once (only its hash is stored)."""
    from admin.api import new_token
    from admin.audit_trail import add
    from ivr.store.db import Store

    now = settings.clock.now()
    expires_at = now + timedelta(days=expires_days) if expires_days else None
    store = Store(settings.db_url)
    try:
        with store.session() as session:
            token = new_token(session, name, scopes, expires_at)
            add(session, now, "cli", "token.create", f"{name} ({' '.join(scopes)})")
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        store.dispose()
    click.echo(token)


@admin.command("list-tokens")
@click.pass_obj
def list_tokens(settings: Settings) -> None:
    """List API tokens: id, name, scopes, creation, expiry, last use, revocation."""
    from sqlalchemy import select

    from ivr.cli.store import existing_store
    from ivr.store.models import ApiToken

    store = existing_store(settings)
    with store.session() as session:
        rows = session.scalars(select(ApiToken).order_by(ApiToken.id)).all()
        lines = [
            "\t".join(str(v or "-") for v in (
                t.id, t.name, t.scopes, t.created_at, t.expires_at, t.last_used_at, t.revoked_at))
            for t in rows
        ]
    store.dispose()
    click.echo("id\tnom\tportées\tcréé\texpire\tdernier_usage\trévoqué")
    for line in lines:
        click.echo(line)


@admin.command("revoke-token")
@click.argument("token_id", type=int)
@click.pass_obj
def revoke_token(settings: Settings, token_id: int) -> None:
    """Revoke an API token at once (it answers 401 from now on)."""
    from admin.audit_trail import add
    from ivr.cli.store import existing_store
    from ivr.store.models import ApiToken

    now = settings.clock.now()
    store = existing_store(settings)
    try:
        with store.session() as session:
            token = session.get(ApiToken, token_id)
            if token is None:
                raise click.ClickException(f"jeton {token_id} introuvable")
            if token.revoked_at is None:
                token.revoked_at = now
                add(session, now, "cli", "token.revoke", token.name)
    finally:
        store.dispose()
    click.echo(f"jeton {token_id} révoqué")
