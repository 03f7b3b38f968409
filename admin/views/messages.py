"""SMS and e-mails: the messages log with delivery states, the information lists."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import Select, func, select
from werkzeug.wrappers import Response

from admin.audit_trail import record
from admin.auth import role_required
from admin.db import get_session, get_store
from admin.labels import CHANNELS, MESSAGE_STATES
from admin.paging import Page
from ivr.store import messages as outbox
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


@bp.post("/<int:message_id>/renvoyer")
@role_required("administrateur", "superviseur")
def resend(message_id: int) -> Response:
    """Send again a message whose attempt is ``unknown``, once an agent checked it did not
    reach the citizen (the sender never does that by itself: it could arrive twice)."""
    session = get_session()
    try:
        outbox.resend_unknown(session, message_id, current_app.config["TOWNHALL_CLOCK"].now(),
                              current_user.username)
    except outbox.TransitionRefused:
        session.rollback()
        flash("Ce message n’est plus à vérifier : rien n’a été renvoyé.")
    else:
        record("message_resent", f"message:{message_id}")
        session.commit()
        flash("Message remis en file d’envoi.")
    return redirect(url_for("messages.index", etat="unknown"))
