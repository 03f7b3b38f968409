"""Jinja helpers: French formatting of dates, durations and rates, and the menu."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
from flask import Flask, url_for
from flask_login import current_user

from admin.auth import ROLES, home_for
from admin.labels import label
from admin.published import published_rules
from ivr.domain.hours import spoken_date
from ivr.domain.phone_numbers import parse_number

# The town hall's wall time; stored timestamps are UTC.
PARIS = ZoneInfo("Europe/Paris")

# (endpoint, French label, roles allowed): the menu shows only what the user may open.
NAV: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("indicators.index", "Indicateurs", ("administrateur", "superviseur", "elu")),
    ("marianne.index", "Engagements Marianne", ("administrateur", "superviseur", "elu")),
    ("desk.index", "Mon poste", ("administrateur", "superviseur", "agent")),
    ("contacts.index", "Contacts", ("administrateur", "superviseur", "agent")),
    ("requests.index", "Demandes", ("administrateur", "superviseur", "agent")),
    ("callbacks.index", "Rappels", ("administrateur", "superviseur", "agent")),
    ("agenda.index", "Agendas", ("administrateur", "superviseur", "agent", "elu")),
    ("messages.index", "SMS et courriels", ("administrateur", "superviseur")),
    ("queues.index", "Files d’attente", ("administrateur", "superviseur")),
    ("rules.index", "Règles d’accueil", ("administrateur",)),
    ("reception.index", "Horaires et menus", ("administrateur",)),
    ("prompts.index", "Messages vocaux", ("administrateur",)),
    ("users.index", "Utilisateurs", ("administrateur",)),
    ("audit.index", "Journal", ("administrateur",)),
    ("alerts.index", "Alertes", ("administrateur", "superviseur", "crise", "elu")),
    ("security.index", "Sécurité SIP", ("administrateur",)),
)


def init_app(app: Flask) -> None:
    """Register the filters and the menu."""
    app.jinja_env.filters.update(
        dt=format_datetime, duration=format_duration, pct=format_percent, fr=label,
        service=service_name, agent=agent_name, readable=readable, day=format_day,
        number=format_number, phone=format_phone, menu_path=menu_path,
    )
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


def format_day(value: date | None) -> str:
    """« jeudi 7 mai 2027 »."""
    return f"{spoken_date(value)} {value.year}" if value is not None else "—"


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


def format_number(value: float) -> str:
    """``1\u202f234`` or ``4,5``: French digit grouping and decimal comma."""
    text = f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"
    return text.replace(",", "\u202f").replace(".", ",")


def format_phone(raw: str | None) -> str:
    """« 06 12 34 56 78 » as a French agent reads it (« +44 20 … » abroad); a caller ID
    that is no phone number stays as Asterisk gave it."""
    if not raw:
        return "—"
    number = parse_number(raw)
    if number is None or not phonenumbers.is_valid_number(number):
        return raw
    style = (phonenumbers.PhoneNumberFormat.NATIONAL if number.country_code == 33
             else phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return phonenumbers.format_number(number, style)


def menu_path(path: str | None) -> str:
    """The keys a caller pressed (``1>2``) as the choices they heard, from the main menu
    of the published rules (« Les papiers et l'état civil › Une carte d'identité… »); the
    keys themselves where the rules no longer say what they meant."""
    if not path:
        return "—"
    keys = path.split(">")
    rules = published_rules()
    menu = rules.menus.get(rules.main_menu) if rules else None
    labels = []
    for key in keys:
        option = menu.all_options().get(key) if menu else None
        if option is None or rules is None:
            return "touches " + ", ".join(keys)
        labels.append(option.label[:1].upper() + option.label[1:])
        menu = rules.menus.get(option.menu) if option.menu else None
    return " › ".join(labels)


def service_name(department: str | None) -> str:
    """« État civil » for ``etat-civil`` (the id when the rules no longer know it)."""
    if not department:
        return "—"
    rules = published_rules()
    found = rules.departments.get(department) if rules else None
    return found.name if found else department


def agent_name(agent: str | None) -> str:
    """« État civil 1 » for ``agent-etat-civil-1`` or its channel ``PJSIP/agent-etat-civil-1``."""
    if not agent:
        return "—"
    agent_id = agent.split("/", 1)[-1]
    rules = published_rules()
    found = rules.agents.get(agent_id) if rules else None
    return found.name if found else agent_id


def readable(value: Any) -> str:
    """A value of a free-form detail (audit, events) as a person reads it."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, list | tuple):
        return ", ".join(readable(item) for item in value)
    if isinstance(value, dict):
        return " ; ".join(f"{key} : {readable(item)}" for key, item in value.items())
    text = str(value)
    rules = published_rules()
    if rules and text in rules.departments:
        return service_name(text)
    if rules and text in rules.agents:
        return agent_name(text)
    return text
