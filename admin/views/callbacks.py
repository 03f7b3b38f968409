"""Callbacks worklist: promised calls back, soonest first (agents: their department)."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import case, select

from admin.auth import role_required
from admin.db import get_session
from ivr.store.models import Callback

bp = Blueprint("callbacks", __name__, url_prefix="/callbacks")
OPEN_STATES = ("pending", "claimed", "dialing")


@bp.route("/")
@role_required("administrateur", "superviseur", "agent")
def index() -> str:
    """Open callbacks first (by promised time), then the 100 latest closed ones."""
    stmt = select(Callback)
    if not current_user.sees_all_departments:
        stmt = stmt.where(Callback.target == current_user.department)
    still_open = case((Callback.state.in_(OPEN_STATES), 0), else_=1)
    stmt = stmt.order_by(still_open, Callback.promised_before, Callback.id.desc()).limit(200)
    rows = get_session().scalars(stmt).all()
    return render_template("callbacks/index.html", callbacks=rows, open_states=OPEN_STATES)
