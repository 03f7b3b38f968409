"""Accounts: login/logout, the current user, role checks and the idle timeout.

Passwords are hashed with werkzeug's default (scrypt). The session carries only the
user id and the time of the last request; the user row is re-read on every request,
so a deactivated account loses access at once.
"""

from __future__ import annotations

import functools
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import func
from werkzeug.security import check_password_hash
from werkzeug.wrappers import Response
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from admin.accounts import AccountError, clean_username, hash_password
from admin.db import get_session
from admin.security import limiter
from ivr.store.models import User

log = logging.getLogger(__name__)
bp = Blueprint("auth", __name__)
login_manager = LoginManager()
F = TypeVar("F", bound=Callable[..., Any])

ROLES = {
    "administrateur": "Administrateur",
    "superviseur": "Superviseur",
    "agent": "Agent",
    "elu": "Élu",
    "crise": "Gestion de crise",  # launches flood alerts (with the administrateur)
}


@dataclass
class CurrentUser(UserMixin):
    """The logged-in account, detached from the database session."""

    id: int
    username: str
    role: str
    department: str | None

    def get_id(self) -> str:
        return str(self.id)

    @property
    def sees_all_departments(self) -> bool:
        """Agents see only their department; every other role sees the whole town hall."""
        return self.role != "agent"


class LoginForm(FlaskForm):
    username = StringField("Identifiant", validators=[DataRequired()])
    password = PasswordField("Mot de passe", validators=[DataRequired()])


def init_app(app: Flask) -> None:
    """Install Flask-Login and the idle-timeout check."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Veuillez vous connecter pour accéder à cette page."
    login_manager.login_message_category = "info"
    app.before_request(_enforce_idle_timeout)


@login_manager.user_loader
def _load_user(user_id: str) -> CurrentUser | None:
    """Re-read the account on each request; inactive accounts are logged out."""
    user = get_session().get(User, int(user_id)) if user_id.isdigit() else None
    if user is None or not user.active or session.get("ver") != user.session_version:
        return None
    return CurrentUser(user.id, user.username, user.role, user.department)


def _now_ts() -> float:
    return current_app.config["TOWNHALL_CLOCK"].now().timestamp()


def _enforce_idle_timeout() -> Response | None:
    """Log out a session left idle longer than ``IDLE_TIMEOUT`` (time from the app clock)."""
    if not current_user.is_authenticated:
        return None
    now, seen = _now_ts(), session.get("seen", 0.0)
    if now - seen > current_app.config["IDLE_TIMEOUT"].total_seconds():
        log.info("admin session expired", extra={"user": current_user.username})
        logout_user()
        session.clear()
        flash("Votre session a expiré après 30 minutes d’inactivité.", "info")
        return redirect(url_for("auth.login"))
    session["seen"] = now
    return None


def role_required(*roles: str) -> Callable[[F], F]:
    """Let only logged-in users with one of ``roles`` through (others: login or 403)."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate


def home_for(role: str) -> str:
    """Where a user lands after login: agents work from the contacts list, the crisis
    cell from the alerts."""
    return url_for({"agent": "contacts.index", "crise": "alerts.index"}.get(
        role, "indicators.index"))


# Checked when the user name is unknown, so that a refusal takes as long either way
# (the time of a refusal must not tell whether an account exists).
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


def _login_name(raw: str) -> str:
    """The canonical name typed at login ("" when no account could have it)."""
    try:
        return clean_username(raw)
    except AccountError:
        return ""


def _check_credentials(username: str, password: str) -> User | None:
    """The active account matching these credentials, or None (in constant time)."""
    name = _login_name(username)
    # lower(): accounts created before names were folded to lower case still log in.
    query = get_session().query(User).filter(func.lower(User.username) == name)
    user = query.first() if name else None
    valid = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
    if user is None or not user.active or not valid:
        return None
    return user


def _login_account() -> str:
    """Rate-limit key of the account a login attempt names (per account, any client)."""
    return "account:" + _login_name(request.form.get("username", ""))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"], key_func=_login_account
)
def login() -> Any:
    """Show the login form and open a session for valid credentials."""
    form = LoginForm()
    if form.validate_on_submit():
        user = _check_credentials(form.username.data or "", form.password.data or "")
        if user is None:
            log.warning("admin login refused", extra={"user": form.username.data})
            flash("Identifiant ou mot de passe incorrect.", "error")
            return render_template("auth/login.html", form=form), 401
        user.last_login_at = current_app.config["TOWNHALL_CLOCK"].now()
        get_session().commit()
        session.clear()
        session.permanent = True
        session["seen"] = _now_ts()
        session["ver"] = user.session_version
        login_user(CurrentUser(user.id, user.username, user.role, user.department))
        log.info("admin login", extra={"user": user.username, "role": user.role})
        return redirect(home_for(user.role))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    """Close the session here and server-side: a copy of the cookie stops working (POST,
    so a link on another site cannot log users out)."""
    if current_user.is_authenticated:
        user = get_session().get(User, int(current_user.get_id()))
        if user is not None:
            user.session_version += 1
            get_session().commit()
    logout_user()
    session.clear()
    flash("Vous êtes déconnecté.", "info")
    return redirect(url_for("auth.login"))
