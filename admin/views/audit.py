"""The audit journal (administrateur only): every change made in the admin, newest first."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from sqlalchemy import func, select

from admin.auth import role_required
from admin.db import get_session
from admin.paging import Page
from ivr.store.models import AuditLog

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.route("/")
@role_required("administrateur")
def index() -> str:
    """One page of the journal."""
    session = get_session()
    page = Page.from_request(session.scalar(select(func.count(AuditLog.id))) or 0)
    rows = session.scalars(
        select(AuditLog)
        .order_by(AuditLog.at.desc(), AuditLog.id.desc())
        .offset(page.offset)
        .limit(page.size)
    ).all()
    return render_template("audit/index.html", rows=rows, page=page, args=request.args)
