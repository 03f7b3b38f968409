"""The published routing rules as the admin pages read them (departments, queues)."""

from __future__ import annotations

import logging

from flask import current_app
from wtforms.fields import SelectChoice

from ivr.rules import Rules, RulesError, load_rules

log = logging.getLogger(__name__)


def published_rules() -> Rules | None:
    """The rules file in use, or None when it is missing or invalid (logged)."""
    path = current_app.config["TOWNHALL_SETTINGS"].rules_path
    try:
        return load_rules(path)
    except RulesError as exc:
        log.warning("published rules unreadable", extra={"path": str(path), "error": str(exc)})
        return None


def department_choices(everything: str = "Tous") -> list[SelectChoice]:
    """Select options of the departments named in the rules, "all" first."""
    rules = published_rules()
    departments = rules.departments.items() if rules else ()
    return [SelectChoice("", everything), *(SelectChoice(t, d.name) for t, d in departments)]
