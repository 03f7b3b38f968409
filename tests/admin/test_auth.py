"""Login, logout, CSRF, rate limiting, idle timeout and session cookie flags."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from ivr.store.db import Store
from ivr.store.models import User
from tests.fixtures.admin import PASSWORD, login, set_clock


def test_wrong_password_is_refused(client: FlaskClient) -> None:
    response = client.post("/login", data={"username": "admin", "password": "mauvais"})
    assert response.status_code == 401 and "Identifiant ou mot de passe incorrect" in response.text
    assert client.get("/").status_code == 302


def test_login_lands_on_the_role_home(client: FlaskClient) -> None:
    response = client.post("/login", data={"username": "agent-ec", "password": PASSWORD})
    assert response.headers["Location"] == "/contacts/"


def test_session_cookie_flags(client: FlaskClient) -> None:
    response = client.post("/login", data={"username": "admin", "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_secure_cookies_when_configured(make_app: Callable[..., Flask]) -> None:
    client = make_app(SESSION_COOKIE_SECURE=True).test_client()
    response = client.post("/login", data={"username": "admin", "password": PASSWORD})
    assert "Secure" in response.headers["Set-Cookie"]


def test_csrf_is_enforced(make_app: Callable[..., Flask]) -> None:
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    assert (
        client.post("/login", data={"username": "admin", "password": PASSWORD}).status_code == 400
    )
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/login").text)
    assert token is not None
    data = {"username": "admin", "password": PASSWORD, "csrf_token": token.group(1)}
    assert client.post("/login", data=data).status_code == 302
    refused = client.post("/users/1/active")
    assert refused.status_code == 400 and "Le formulaire a expiré" in refused.text


def test_login_is_rate_limited(make_app: Callable[..., Flask]) -> None:
    client = make_app(LOGIN_RATE_LIMIT="3 per minute").test_client()
    codes = [login(client, "admin", "mauvais") for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    assert login(client, "admin") == 429  # even the right password waits
    assert client.get("/login").status_code == 200  # only attempts are limited


def test_idle_session_expires_after_30_minutes(
    app: Flask, as_user: Callable[[str], FlaskClient]
) -> None:
    client = as_user("admin")
    set_clock(app, "2026-12-02T10:29:00+01:00")
    assert client.get("/").status_code == 200
    set_clock(app, "2026-12-02T10:58:00+01:00")  # 29 minutes after the last request
    assert client.get("/").status_code == 200
    set_clock(app, "2026-12-02T11:29:00+01:00")
    expired = client.get("/")
    assert expired.status_code == 302 and expired.headers["Location"] == "/login"
    assert client.get("/").headers["Location"].startswith("/login")


def test_logout(as_user: Callable[[str], FlaskClient]) -> None:
    client = as_user("admin")
    assert client.get("/logout").status_code == 405  # a link cannot log anyone out
    assert client.post("/logout").status_code == 302
    assert client.get("/").status_code == 302


def test_deactivated_account_loses_access_at_once(
    store: Store, as_user: Callable[[str], FlaskClient]
) -> None:
    client = as_user("elu")
    with store.session() as session:
        session.query(User).filter_by(username="elu").one().active = False
    assert client.get("/").status_code == 302
    assert login(client, "elu") == 401


def test_a_copied_cookie_dies_with_a_deactivation_even_after_reactivation(
    store: Store, make_app: Callable[..., Flask]
) -> None:
    """Variant of the logout case: an account deactivated (e.g. after a stolen cookie)
    then reactivated must not let the old session cookie back in."""
    app = make_app()
    victim, thief, admin = app.test_client(), app.test_client(), app.test_client()
    assert login(victim, "elu") == 302
    cookie = victim.get_cookie("session")
    assert cookie is not None
    thief.set_cookie("session", cookie.value)
    assert thief.get("/").status_code == 200  # the copy works while the session lives
    assert login(admin, "admin") == 302
    elu = _user_id(store, "elu")
    admin.post(f"/users/{elu}/active")
    admin.post(f"/users/{elu}/active")  # reactivated
    assert thief.get("/").status_code == 302
    assert login(victim, "elu") == 302  # the account itself works again


def _user_id(store: Store, username: str) -> int:
    with store.session() as session:
        return session.query(User).filter_by(username=username).one().id


def test_menu_shows_only_allowed_areas(as_user: Callable[[str], FlaskClient]) -> None:
    page = as_user("elu").get("/").text
    assert 'href="/"' in page and 'href="/rules/"' not in page and 'href="/contacts/"' not in page
