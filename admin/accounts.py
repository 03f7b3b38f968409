"""Creating accounts, shared by the users page and ``townhall-ivr admin create-user``."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from admin.audit_trail import add
from ivr.store.models import ROLES, User

MIN_PASSWORD = 12


class AccountError(ValueError):
    """The account cannot be created as asked (message in French, shown to the user)."""


# User names: ASCII letters, digits and ``.-_`` only, so no two names look alike
# (``admin`` and a Cyrillic ``аdmin``) and none carries a control character.
USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{1,63}")


def clean_username(raw: str) -> str:
    """The canonical user name (NFKC, lower case), or AccountError (no space is trimmed:
    a trailing newline would make a second, look-alike account)."""
    name = unicodedata.normalize("NFKC", raw).lower()
    if not USERNAME.fullmatch(name):
        raise AccountError(
            "identifiant invalide : 2 à 64 caractères, lettres sans accent, chiffres, "
            "point, tiret ou souligné"
        )
    return name


def hash_password(password: str) -> str:
    """Hash with werkzeug's current default (scrypt)."""
    return generate_password_hash(password)


def add_user(
    session: Session,
    at: datetime,
    username: str,
    password: str,
    role: str,
    department: str | None,
    actor: str | None,
) -> User:
    """Create an active account and its audit entry (the caller commits)."""
    username = clean_username(username)
    if role not in ROLES:
        raise AccountError(f"rôle inconnu : {role}")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"le mot de passe doit compter {MIN_PASSWORD} caractères au moins")
    if session.scalar(select(User.id).where(User.username == username)):
        raise AccountError("cet identifiant existe déjà")
    user = User(
        username=username,
        password_hash=hash_password(password),
        role=role,
        department=department or None,
        active=True,
    )
    session.add(user)
    add(session, at, actor, "user.create", username, role=role, department=user.department)
    return user
