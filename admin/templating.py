"""Jinja helpers: French formatting of dates, durations and rates, and the menu."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, url_for
from flask_login import current_user

from admin.auth import ROLES, home_for
from admin.charts import bar_chart
from admin.labels import label

# The town hall's wall time; stored timestamps are UTC.
PARIS = ZoneInfo("Europe/Paris")

# (endpoint, French label, roles allowed): the menu shows only what the user may open.
NAV: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("indicators.index", "Indicateurs", ("administrateur", "superviseur", "elu")),
    ("marianne.index", "Engagements Marianne", ("administrateur", "superviseur", "elu")),
    ("contacts.index", "Contacts", ("administrateur", "superviseur", "agent")),
    ("requests.index", "Demandes", ("administrateur", "superviseur", "agent")),
    ("callbacks.index", "Rappels", ("administrateur", "superviseur", "agent")),
    ("agenda.index", "Agendas", ("administrateur", "superviseur", "agent", "elu")),
    ("messages.index", "SMS et courriels", ("administrateur", "superviseur")),
    ("queues.index", "Files d’attente", ("administrateur", "superviseur")),
    ("rules.index", "Règles d’accueil", ("administrateur",)),
    ("prompts.index", "Messages vocaux", ("administrateur",)),
    ("users.index", "Utilisateurs", ("administrateur",)),
    ("audit.index", "Journal", ("administrateur",)),
    ("alerts.index", "Alertes", ("administrateur", "superviseur", "crise", "elu")),
)


def init_app(app: Flask) -> None:
    """Register the filters and the menu."""
    app.jinja_env.filters.update(
        dt=format_datetime, duration=format_duration, pct=format_percent, fr=label
    )
    app.jinja_env.globals["bar_chart"] = bar_chart
    app.context_processor(_menu)


def _menu() -> dict[str, Any]:
    """The menu entries the current user may open."""
    role = getattr(current_user, "role", None)
    return {
        "nav": [(ep, label) for ep, label, roles in NAV if role in roles],
        "role_labels": ROLES,
        "home": home_for(role) if role else url_for("auth.login"),
    }


def format_datetime(value: datetime | None) -> str:
    """``02/12/2026 10:05`` in Paris time (naive values are taken as UTC)."""
    if value is None:
        return "—"
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo("UTC"))
    return value.astimezone(PARIS).strftime("%d/%m/%Y %H:%M")


def format_duration(seconds: float | None) -> str:
    """``1 min 05 s`` or ``42 s``."""
    if seconds is None:
        return "—"
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def format_percent(ratio: float | None) -> str:
    """``87,5 %`` (French decimal comma), ``—`` when there is nothing to divide."""
    if ratio is None:
        return "—"
    return f"{ratio * 100:.1f}".replace(".", ",") + "\u00a0%"
