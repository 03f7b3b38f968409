"""Admin fixtures: an app on a real, migrated store (SQLite and PostgreSQL), one user per role."""

from __future__ import annotations

import functools
import shutil
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from playwright.sync_api import Browser
from werkzeug.security import check_password_hash, generate_password_hash

from admin import accounts, auth, create_app
from admin.accounts import add_user
from admin.api import new_token
from ivr.prompts import DEFAULT_CATALOGUE as PROMPT_CATALOGUE
from ivr.settings import Settings
from ivr.store.db import Store
from tests.fixtures.admin import NOW, PASSWORD, login
from tests.fixtures.browser import chromium, served

DEFAULT_RULES = Path(__file__).parents[2] / "routing_rules.yaml"
USERS = {
    "admin": ("administrateur", None),
    "superviseur": ("superviseur", None),
    "agent-ec": ("agent", "etat-civil"),
    "elu": ("elu", None),
}


@functools.cache
def _hashed_once(password: str) -> str:
    return generate_password_hash(password)


@functools.cache
def _checked_once(password_hash: str, password: str) -> bool:
    return check_password_hash(password_hash, password)


@pytest.fixture(autouse=True)
def _scrypt_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """scrypt is slow on purpose (about 0.1 s a hash, far more on a busy machine), and
    every test creates four accounts and logs in: each password is hashed, and each
    (hash, password) pair checked, once per test process. Still werkzeug's scrypt."""
    monkeypatch.setattr(accounts, "generate_password_hash", _hashed_once)
    monkeypatch.setattr(auth, "check_password_hash", _checked_once)


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    """Settings of an instance living in ``tmp_path``, with the default rules file."""
    rules = tmp_path / "routing_rules.yaml"
    shutil.copy(DEFAULT_RULES, rules)
    env = {
        "TOWNHALL_HOME": str(tmp_path / "home"),
        "TOWNHALL_RULES": str(rules),
        "TOWNHALL_DB_URL": db_url,
        "TOWNHALL_CLOCK": NOW,
    }
    return Settings.from_env(env)


@pytest.fixture
def users(store: Store) -> dict[str, str]:
    """One active account per role; username → role."""
    at = datetime.fromisoformat(NOW)
    with store.session() as session:
        for name, (role, department) in USERS.items():
            add_user(session, at, name, PASSWORD, role, department, actor="test")
    return {name: role for name, (role, _) in USERS.items()}


@pytest.fixture
def prompts_dir(tmp_path: Path) -> Path:
    """A copy of the prompt catalogue: recordings and edited texts stay in the test."""
    folder = tmp_path / "prompts"
    folder.mkdir()
    shutil.copy(PROMPT_CATALOGUE, folder / "catalogue.yaml")
    return folder


@pytest.fixture
def make_app(
    settings: Settings, store: Store, users: dict[str, str], prompts_dir: Path
) -> Callable[..., Flask]:
    """Build an app on the test store; keyword arguments override its config."""

    def make(**config: object) -> Flask:
        base = {"TESTING": True, "STORE": store, "WTF_CSRF_ENABLED": False, "AMI_ENABLED": False,
                "PROMPTS_DIR": prompts_dir}  # fmt: skip
        return create_app(settings, {**base, **config})

    return make


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def as_user(client: FlaskClient) -> Callable[[str], FlaskClient]:
    """The client, logged in as the given user."""

    def log_in(username: str) -> FlaskClient:
        assert login(client, username) == 302
        return client

    return log_in


@pytest.fixture
def base_url(make_app: Callable[..., Flask]) -> Iterator[str]:
    """The admin with its production protections (CSRF on), served on a free port."""
    with served(make_app(TESTING=False, WTF_CSRF_ENABLED=True)) as url:
        yield url


@pytest.fixture
def browser() -> Iterator[Browser]:
    """A headless Chromium for the browser tests."""
    with chromium() as instance:
        yield instance


@pytest.fixture
def token(store: Store) -> str:
    """A valid API bearer token."""
    with store.session() as session:
        return new_token(session, "tests")
