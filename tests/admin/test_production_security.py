"""The review's defect classes on the admin and its API, each with a variant."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from admin import auth
from admin.accounts import AccountError, add_user
from admin.api import new_token
from ivr.store.db import Store
from ivr.store.models import ApiToken
from tests.fixtures.admin import NOW, PASSWORD, login
from tests.fixtures.db import sqlite_url


@pytest.fixture
def db_url(tmp_path: Any) -> str:
    """The web layer's own logic: SQLite (tokens' storage is plain ORM)."""
    return sqlite_url(tmp_path)


def _token(store: Store, *scopes: str, days: int | None = None) -> str:
    with store.session() as session:
        expires = None if days is None else (
            __import__("datetime").datetime.fromisoformat(NOW) + timedelta(days=days))
        return new_token(session, "site", scopes or ("full",), expires)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


CONTACT = {"channel": "web", "caller": {"phone": "06 12 34 56 78"}, "target": "etat-civil",
           "subject": "Acte"}


def test_security_headers_on_pages_errors_and_api(client: FlaskClient) -> None:
    for response in (client.get("/login"), client.get("/nope"), client.get("/api/v1/contacts")):
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_deeply_nested_json_objects_are_a_400(client: FlaskClient, token: str) -> None:
    body = '{"a":' * 50_000 + "1" + "}" * 50_000
    sent = client.post("/api/v1/contacts", data=body, headers={
        **_bearer(token), "Content-Type": "application/json"})
    assert sent.status_code == 400 and "imbrication" in (sent.json or {})["detail"]
    quoted = json.dumps({**CONTACT, "body": "[" * 5000})  # brackets inside a string are text
    assert client.post("/api/v1/contacts", data=quoted, headers={
        **_bearer(token), "Content-Type": "application/json"}).status_code == 201


@pytest.mark.parametrize("since", ["9999-12-31T23:00:00+00:00", "0001-01-01T00:00:00-05:00"])
def test_far_dates_in_the_api_are_a_422(client: FlaskClient, token: str, since: str) -> None:
    answer = client.get("/api/v1/contacts", query_string={"since": since}, headers=_bearer(token))
    assert answer.status_code == 422


@pytest.mark.parametrize("query", [{"end": "9999-12-31"}, {"start": "0001-01-02"}])
def test_far_dates_in_admin_filters_are_a_form_error(
    as_user: Callable[[str], FlaskClient], query: dict[str, str]
) -> None:
    for page in ("/contacts/", "/"):
        answer = as_user("admin").get(page, query_string=query)
        assert answer.status_code in (200, 400) and "hors limites" in answer.text


def test_far_dates_in_agenda_and_marianne_pages_are_no_500(
    as_user: Callable[[str], FlaskClient]
) -> None:
    """Variants of the far-date class in other pages' own date parameters: the agenda's
    day (shown as today) and Marianne's month (refused in French)."""
    client = as_user("admin")
    for day in ("9999-12-31", "0001-01-01"):
        for view in ("jour", "semaine"):
            answer = client.get("/agenda/maire", query_string={"jour": day, "vue": view})
            assert answer.status_code == 200, (day, view)
    for month in ("9999-12", "0001-01"):
        answer = client.get("/marianne/", query_string={"mois": month})
        assert answer.status_code == 400 and "Mois invalide" in answer.text, month


def test_a_phone_without_digits_is_refused(client: FlaskClient, token: str) -> None:
    sent = client.post("/api/v1/contacts", headers=_bearer(token),
                       json={**CONTACT, "caller": {"phone": "(.. -- ..)"}})  # fmt: skip
    assert sent.status_code == 422


def test_a_create_only_token_cannot_read(client: FlaskClient, store: Store) -> None:
    token = _token(store, "contacts:create")
    assert client.post("/api/v1/contacts", json=CONTACT, headers=_bearer(token)).status_code == 201
    assert client.get("/api/v1/contacts", headers=_bearer(token)).status_code == 403
    assert client.get("/api/v1/contacts/1", headers=_bearer(token)).status_code == 403


def test_expired_and_revoked_tokens_are_refused_and_reads_are_recorded(
    client: FlaskClient, store: Store
) -> None:
    reader = _token(store, "contacts:read", days=1)
    assert client.get("/api/v1/contacts", headers=_bearer(reader)).status_code == 200
    with store.session() as session:
        row = session.scalars(select(ApiToken).where(ApiToken.scopes == "contacts:read")).one()
        assert row.last_used_at is not None  # reads are recorded too
    expired = _token(store, "contacts:read", days=-1)
    assert client.get("/api/v1/contacts", headers=_bearer(expired)).status_code == 401
    with store.session() as session:
        first = session.scalars(select(ApiToken).where(ApiToken.scopes == "contacts:read")).first()
        assert first is not None
        first.revoked_at = first.last_used_at
    assert client.get("/api/v1/contacts", headers=_bearer(reader)).status_code == 401


def test_a_copied_session_cookie_dies_at_logout(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    first, thief = app.test_client(), app.test_client()
    assert login(first, "superviseur") == 302
    cookie = first.get_cookie("session")
    assert cookie is not None
    thief.set_cookie("session", cookie.value)
    assert thief.get("/contacts/").status_code == 200
    first.post("/logout")
    assert thief.get("/contacts/").status_code == 302  # back to the login page


@pytest.mark.parametrize("name", ["аdmin2", "admin2\n", "ａｄｍｉｎ3", "a b", "x"])
def test_user_names_are_plain_ascii(store: Store, name: str) -> None:
    """Cyrillic look-alikes, control characters, spaces, one letter: refused; full-width
    letters are folded (NFKC) to their ASCII form."""
    at = __import__("datetime").datetime.fromisoformat(NOW)
    with store.session() as session:
        if name.startswith("ａ"):
            assert add_user(session, at, name, PASSWORD, "elu", None, None).username == "admin3"
            return
        with pytest.raises(AccountError, match="identifiant invalide"):
            add_user(session, at, name, PASSWORD, "elu", None, None)


def test_an_unknown_user_costs_a_password_check_too(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Timing: the refusal of an unknown name hashes a password like a wrong password does."""
    checked: list[str] = []
    real = auth.check_password_hash

    def counted(hashed: str, password: str) -> bool:
        checked.append(hashed)
        return real(hashed, password)

    monkeypatch.setattr(auth, "check_password_hash", counted)
    assert login(client, "nobody", "x" * 12) == 401
    assert login(client, "admin", "x" * 12) == 401
    assert len(checked) == 2


def test_login_is_limited_per_account_behind_a_trusted_proxy(
    make_app: Callable[..., Flask], settings: Any
) -> None:
    """Behind the proxy, clients differ by X-Forwarded-For: guessing one account from many
    addresses is stopped, and another client's account still logs in. The counters are
    in the store: a second admin process (another app on the same store) sees them."""
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute",
                   TOWNHALL_SETTINGS=settings.with_(admin_trusted_proxies=1))  # fmt: skip
    other_process = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    codes = [client.post("/login", data={"username": "admin", "password": "wrong-wrong-1"},
                         headers={"X-Forwarded-For": f"198.51.100.{i}"}).status_code
             for i in range(2)]  # fmt: skip
    assert codes == [401, 401]
    elsewhere = other_process.test_client()
    assert login(elsewhere, "admin", "wrong-wrong-1") == 401  # the account's third
    assert login(elsewhere, "admin") == 429  # even the right password, from elsewhere
    assert client.post("/login", data={"username": "admin", "password": "wrong-wrong-1"},
                       headers={"X-Forwarded-For": "198.51.100.9"}).status_code == 429
    other = client.post("/login", data={"username": "elu", "password": PASSWORD},
                        headers={"X-Forwarded-For": "203.0.113.9"})  # fmt: skip
    assert other.status_code == 302


def test_one_client_is_limited_across_accounts_and_processes(
    make_app: Callable[..., Flask]
) -> None:
    """The per-client limit is shared too: one address trying many names through two
    admin processes is stopped at the limit, whichever process it reaches."""
    first, second = (make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
                     .test_client() for _ in range(2))
    codes = [login(client, f"name{i}", "wrong-wrong-1")
             for i, client in enumerate((first, second, first, second))]
    assert codes == [401, 401, 401, 429]
