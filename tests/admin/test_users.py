"""Accounts management page, the audit journal and the admin CLI."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.security import check_password_hash

from ivr.cli import main
from ivr.settings import Settings
from ivr.store.db import Store
from ivr.store.models import ApiToken, AuditLog, User
from tests.fixtures.admin import login


def _user(store: Store, username: str) -> User | None:
    with store.session() as session:
        return session.scalar(select(User).where(User.username == username))


def test_create_user_and_audit(store: Store, as_user: Callable[[str], FlaskClient]) -> None:
    client = as_user("admin")
    form = {"username": "agent-urba", "password": "un-long-mot-de-passe", "role": "agent",
            "department": "urbanisme"}  # fmt: skip
    assert client.post("/users/", data=form).status_code == 302
    user = _user(store, "agent-urba")
    assert user is not None and user.role == "agent" and user.department == "urbanisme"
    assert user.password_hash.startswith("scrypt:")
    assert check_password_hash(user.password_hash, "un-long-mot-de-passe")
    journal = client.get("/audit/").text
    assert "user.create" in journal and "agent-urba" in journal


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"username": "x", "password": "court", "role": "elu"}, "12 caractères au moins"),
        ({"username": "nouvel-agent", "password": "un-long-mot-de-passe", "role": "agent"},
         "Un agent doit être rattaché à un service"),
        ({"username": "admin", "password": "un-long-mot-de-passe", "role": "elu"}, "existe déjà"),
    ],
)  # fmt: skip
def test_create_user_errors(
    as_user: Callable[[str], FlaskClient], form: dict[str, str], message: str
) -> None:
    response = as_user("admin").post("/users/", data=form)
    assert response.status_code == 200 and message in response.text


def test_deactivate_and_reactivate(store: Store, as_user: Callable[[str], FlaskClient]) -> None:
    client = as_user("admin")
    elu = _user(store, "elu")
    assert elu is not None
    client.post(f"/users/{elu.id}/active")
    assert _user(store, "elu").active is False  # type: ignore[union-attr]
    client.post(f"/users/{elu.id}/active")
    assert _user(store, "elu").active is True  # type: ignore[union-attr]
    me = _user(store, "admin")
    assert me is not None
    client.post(f"/users/{me.id}/active")
    assert _user(store, "admin").active is True  # type: ignore[union-attr]
    with store.session() as session:
        actions = session.scalars(select(AuditLog.action).order_by(AuditLog.id)).all()
    assert actions[-2:] == ["user.deactivate", "user.activate"]


def _cli(settings: Settings, *args: str, stdin: str | None = None) -> str:
    env = {"TOWNHALL_HOME": str(settings.home), "TOWNHALL_DB_URL": settings.db_url,
           "TOWNHALL_RULES": str(settings.rules_path)}  # fmt: skip
    result = CliRunner().invoke(main, ["admin", *args], input=stdin, env=env)
    assert result.exit_code == 0, result.output
    return result.output


def test_cli_create_user_then_login(settings: Settings, store: Store, client: FlaskClient) -> None:
    out = _cli(settings, "create-user", "marie", "--role", "superviseur", "--password-stdin",
               stdin="mot-de-passe-de-marie\n")  # fmt: skip
    assert "marie" in out
    assert login(client, "marie", "mot-de-passe-de-marie") == 302


def test_cli_create_token_stores_only_a_hash(settings: Settings, store: Store) -> None:
    token = _cli(settings, "create-token", "site-web").strip()
    with store.session() as session:
        row = session.scalars(select(ApiToken).where(ApiToken.name == "site-web")).one()
    assert len(token) > 30 and token not in row.token_hash
