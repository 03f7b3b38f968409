"""SMS and e-mails: the messages log with delivery states, the information lists."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from sqlalchemy import Select, func, select

from admin.auth import role_required
from admin.db import get_session, get_store
from admin.labels import CHANNELS, MESSAGE_STATES
from admin.paging import Page
from ivr.store.models import Message
from ivr.store.subscriptions import lists

bp = Blueprint("messages", __name__, url_prefix="/messages")


def _filtered(query: Select[tuple[Message]]) -> Select[tuple[Message]]:
    state, channel = request.args.get("etat", ""), request.args.get("canal", "")
    if state in MESSAGE_STATES:
        query = query.where(Message.state == state)
    if channel in ("sms", "email"):
        query = query.where(Message.channel == channel)
    return query


@bp.route("/")
@role_required("administrateur", "superviseur")
def index() -> str:
    """One page of the log, newest first, filtered by state and channel; the lists."""
    session = get_session()
    total = session.scalar(_filtered(select(Message)).with_only_columns(func.count()))
    page = Page.from_request(total or 0)
    rows = session.scalars(_filtered(select(Message)).order_by(Message.id.desc())
                           .offset(page.offset).limit(page.size)).all()
    return render_template("messages/index.html", rows=rows, page=page, args=request.args,
                           states=MESSAGE_STATES, channels={"sms": "SMS", "email": "Courriel"},
                           channel_labels=CHANNELS, lists=lists(get_store()))
