"""The published routing rules as the admin pages read them (departments, queues)."""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

from flask import current_app
from wtforms.fields import SelectChoice

from ivr.rules import Rules, RulesError, load_rules

log = logging.getLogger(__name__)


def published_rules() -> Rules | None:
    """The rules file in use, or None when it is missing or invalid (logged)."""
    path = current_app.config["TOWNHALL_SETTINGS"].rules_path
    try:
        stat = path.stat()
        return _parsed(path, stat.st_mtime_ns, stat.st_size)
    except (RulesError, OSError) as exc:
        log.warning("published rules unreadable", extra={"path": str(path), "error": str(exc)})
        return None


@lru_cache(maxsize=4)
def _parsed(path: Path, mtime_ns: int, size: int) -> Rules:
    """Parsing the file takes tens of milliseconds: once per version of the file (the API
    and the agenda read it on every request)."""
    return load_rules(path)


def department_choices(everything: str = "Tous") -> list[SelectChoice]:
    """Select options of the departments named in the rules, "all" first."""
    rules = published_rules()
    departments = rules.departments.items() if rules else ()
    return [SelectChoice("", everything), *(SelectChoice(t, d.name) for t, d in departments)]
