"""The published routing rules as the admin pages read them (departments, queues)."""

from __future__ import annotations

import hashlib
import logging
import threading

from flask import current_app
from wtforms.fields import SelectChoice

from ivr.rules import Rules, RulesError
from ivr.rules.loader import load_rules_text, read_rules_file

log = logging.getLogger(__name__)
# (path, sha256 of the text) → rules: reading the file is cheap, validating it is not
# (tens of milliseconds), and the request pages and API read the rules on every call.
_parsed: dict[tuple[str, str], Rules] = {}
_lock = threading.Lock()


def published_rules() -> Rules | None:
    """The rules file in use, or None when it is missing or invalid (logged)."""
    path = current_app.config["TOWNHALL_SETTINGS"].rules_path
    try:
        text = read_rules_file(path)
        key = (str(path), hashlib.sha256(text.encode()).hexdigest())
        with _lock:
            rules = _parsed.get(key)
        if rules is None:
            rules = load_rules_text(text, str(path))
            with _lock:
                _parsed.clear()  # only the file as it is now is worth keeping
                _parsed[key] = rules
        return rules
    except RulesError as exc:
        log.warning("published rules unreadable", extra={"path": str(path), "error": str(exc)})
        return None


def department_choices(everything: str = "Tous") -> list[SelectChoice]:
    """Select options of the departments named in the rules, "all" first."""
    rules = published_rules()
    departments = rules.departments.items() if rules else ()
    return [SelectChoice("", everything), *(SelectChoice(t, d.name) for t, d in departments)]
