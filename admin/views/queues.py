"""Queues (administrateur, superviseur): each department's queue and today's figures."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, render_template

from admin.auth import role_required
from admin.db import get_session
from admin.metrics import compute
from admin.period import today
from ivr.rules.loader import RulesError, load_rules
from ivr.rules.schema import Rules

log = logging.getLogger(__name__)
bp = Blueprint("queues", __name__, url_prefix="/queues")


def _rules() -> Rules | None:
    """The published rules, or None when the file is missing or invalid."""
    path = current_app.config["TOWNHALL_SETTINGS"].rules_path
    try:
        return load_rules(path)
    except (OSError, RulesError) as exc:
        log.warning(
            "rules unreadable for the queues page", extra={"path": str(path), "error": str(exc)}
        )
        return None


@bp.route("/")
@role_required("administrateur", "superviseur")
def index() -> str:
    """Departments with their queue members and today's calls per department."""
    rules, day = _rules(), today()
    sl = current_app.config["SERVICE_LEVEL_SECONDS"]
    departments = rules.departments if rules else {}
    figures = {target: compute(get_session(), day, day, target, sl) for target in departments}
    members = {target: rules.queue_members(target) for target in departments} if rules else {}
    return render_template(
        "queues/index.html", departments=departments, members=members, figures=figures, sl=sl
    )
