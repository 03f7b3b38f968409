"""« Mon poste »: the page an agent keeps open. When the queue rings their phone, the
page shows at once (server-sent events, no reload) who is calling, what they chose
or said in the IVR, their open requests and last contacts, with the actions of the
call: create a request, promise a callback, open the contact.
"""

from __future__ import annotations

import json
import queue
import time
from collections.abc import Iterator
from datetime import timedelta

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    stream_with_context,
    url_for,
)
from flask_login import current_user
from sqlalchemy import or_, select
from werkzeug.wrappers import Response

from admin.audit_trail import record
from admin.auth import role_required
from admin.db import get_session, get_store
from admin.live_queues import get_live
from admin.request_common import now, rules_in_force
from ivr.callbacks.repository import InvalidNumber, request_callback
from ivr.requests.errors import InvalidInput
from ivr.rules import Rules
from ivr.store.citizens import find_citizen, normalise_phone
from ivr.store.models import Contact
from ivr.store.requests import search

bp = Blueprint("desk", __name__, url_prefix="/poste")
ROLES = ("administrateur", "superviseur", "agent")
KEEPALIVE_SECONDS = 15.0  # a comment line keeps proxies from closing an idle stream
STREAM_SECONDS = 600.0  # then the browser's EventSource reconnects by itself


def _postes(rules: Rules) -> dict[str, str]:
    """The agents' phones this user may sit at: their department's, or all for the others."""
    mine = current_user.department if not current_user.sees_all_departments else None
    return {agent_id: agent.name for agent_id, agent in rules.agents.items()
            if mine is None or mine in agent.departments}


@bp.route("/", methods=["GET", "POST"])
@role_required(*ROLES)
def index() -> Response | str:
    postes = _postes(rules_in_force())
    if request.method == "POST":
        chosen = request.form.get("poste", "")
        if chosen not in postes:
            flash("Choisissez un poste de votre service.", "error")
            return redirect(url_for(".index"))
        session["poste"] = chosen
        return redirect(url_for(".index"))
    poste = session.get("poste") if session.get("poste") in postes else None
    return render_template("desk/index.html", postes=postes, poste=poste)


@bp.route("/flux")
@role_required(*ROLES)
def stream() -> Response:
    """The rings of the chosen poste, as server-sent events."""
    poste = session.get("poste")
    if poste not in _postes(rules_in_force()):
        abort(409, "Choisissez d’abord votre poste.")
    broker = get_live().desks
    desk = broker.open(poste)

    def events() -> Iterator[str]:
        ends = time.monotonic() + STREAM_SECONDS
        try:
            yield ": connecté\n\n"
            while time.monotonic() < ends:
                try:
                    ring = desk.get(timeout=KEEPALIVE_SECONDS)
                except queue.Empty:
                    yield ": en attente\n\n"
                    continue
                data = {"call": ring.call_id, "caller": ring.caller, "queue": ring.queue}
                yield f"event: appel\ndata: {json.dumps(data)}\n\n"
        finally:
            broker.close(poste, desk)

    return Response(stream_with_context(events()), mimetype="text/event-stream",
                    headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@bp.route("/appel/<path:call_id>")
@role_required(*ROLES)
def call(call_id: str) -> str:
    """The caller's card, fetched by the page when a ring arrives."""
    caller = request.args.get("numero", "")[:32]
    db = get_session()
    contact = db.scalar(select(Contact).where(Contact.call_id == call_id))
    numbers = _numbers(caller)
    history = list(db.scalars(select(Contact).where(
        or_(*(Contact.caller == n for n in numbers)), Contact.call_id != call_id)
        .order_by(Contact.started_at.desc()).limit(5))) if numbers else []
    requests = [view for view in search(get_store(), phone=caller) if view.closed_at is None] \
        if numbers else []
    citizen = find_citizen(get_store(), phone=caller) if numbers else None
    return render_template("desk/call.html", call_id=call_id, caller=caller,
                           citizen=citizen.name if citizen else None,
                           contact=contact, history=history, requests=requests,
                           queue=request.args.get("file"))


@bp.route("/rappel", methods=["POST"])
@role_required(*ROLES)
def callback() -> Response:
    """Promise the caller a callback from the agent's department, within the rules' delay."""
    rules = rules_in_force()
    target = request.form.get("file", "")
    if target not in rules.departments:
        flash("Rappel non programmé : service inconnu.", "error")
        return redirect(url_for(".index"))
    at = now()
    contact_id = get_session().scalar(select(Contact.id).where(
        Contact.call_id == request.form.get("appel", "")))
    try:
        made = request_callback(get_session(), contact_id, request.form.get("numero", ""), target,
                                at, at + timedelta(seconds=rules.callbacks.promise_within),
                                now=at)
    except InvalidNumber as exc:
        flash(f"Rappel non programmé : numéro invalide ({exc}).", "error")
        return redirect(url_for(".index"))
    record("callback.create", f"callback {made.id}", target=target)
    get_session().commit()
    flash("Rappel programmé.", "success")
    return redirect(url_for(".index"))


def _numbers(caller: str) -> list[str]:
    """The caller ID as Asterisk gave it and as the store normalises it."""
    if not caller:
        return []
    try:
        return sorted({caller, normalise_phone(caller)})
    except InvalidInput:
        return [caller]
