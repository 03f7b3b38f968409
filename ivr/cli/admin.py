"""``townhall-ivr admin``: serve the admin, create users and API tokens."""

from __future__ import annotations

import logging
import sys

import click

from ivr.settings import Settings

log = logging.getLogger(__name__)


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
    host, port = host or settings.bind_host, port or settings.admin_port
    log.info("admin serving", extra={"url": f"http://{host}:{port}/"})
    try:
        waitress.serve(app, host=host, port=port, threads=4, ident="townhall-admin")
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
    "--role", required=True, type=click.Choice(["administrateur", "superviseur", "agent", "elu"])
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
@click.pass_obj
def create_token(settings: Settings, name: str) -> None:
    """Create an API token and print it once (only its hash is stored)."""
    from admin.api import new_token
    from admin.audit_trail import add
    from ivr.store.db import Store

    store = Store(settings.db_url)
    try:
        with store.session() as session:
            token = new_token(session, name)
            add(session, settings.clock.now(), "cli", "token.create", name)
    finally:
        store.dispose()
    click.echo(token)
