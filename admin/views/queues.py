"""Queues (administrateur, superviseur): each department's queue and today's figures."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from admin.auth import role_required
from admin.db import get_session
from admin.metrics import compute
from admin.period import today
from admin.published import published_rules

bp = Blueprint("queues", __name__, url_prefix="/queues")


@bp.route("/")
@role_required("administrateur", "superviseur")
def index() -> str:
    """Departments with their queue settings, members and today's calls."""
    rules, day = published_rules(), today()
    sl = current_app.config["SERVICE_LEVEL_SECONDS"]
    if rules is None:
        return render_template("queues/index.html", rows=[], sl=sl)
    rows = [
        (target, dept, rules.queue_members(target), compute(get_session(), day, day, target, sl))
        for target, dept in rules.departments.items()
        if not dept.answered_by_ivr
    ]
    return render_template("queues/index.html", rows=rows, sl=sl)
