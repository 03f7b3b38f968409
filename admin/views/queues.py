"""Queues (administrateur, superviseur): live callers and agents, today's figures, pauses,
and the IVR processes taking the calls."""

from __future__ import annotations

import time

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length

from admin.audit_trail import record
from admin.auth import role_required
from admin.db import get_session
from admin.live_queues import AGENT_STATES, agent_state, get_live
from admin.metrics import compute
from admin.period import today
from admin.published import published_rules
from ivr.settings import Settings
from ivr.stack.fact_duty import Duty, duty
from ivr.stack.peer_files import read_statuses
from ivr.stack.peers import PeerStatus
from ivr.telephony.ami import AmiError

bp = Blueprint("queues", __name__, url_prefix="/queues")


class PauseForm(FlaskForm):
    queue = StringField(validators=[DataRequired(), Length(max=64)])
    member = StringField(validators=[DataRequired(), Length(max=128)])
    paused = BooleanField()


@bp.route("/")
@role_required("administrateur", "superviseur")
def index() -> str:
    """Each department's live queue (from AMI) and today's figures; refreshed by the page."""
    rules, day, live = published_rules(), today(), get_live()
    sl = current_app.config["SERVICE_LEVEL_SECONDS"]
    views, processes = live.views(), ivr_processes(current_app.config["TOWNHALL_SETTINGS"])
    if rules is None:
        return render_template("queues/index.html", rows=[], sl=sl, views=views,
                               processes=processes)
    rows = [
        (target, dept, rules.queue_members(target), compute(get_session(), day, day, target, sl),
         views.get(target) if views is not None else None)
        for target, dept in rules.departments.items()
        if not dept.answered_by_ivr
    ]  # fmt: skip
    return render_template("queues/index.html", rows=rows, sl=sl, views=views, live=live,
                           agent_state=agent_state, states=AGENT_STATES, processes=processes,
                           now=current_app.config["TOWNHALL_CLOCK"].now())  # fmt: skip


ProcessRow = tuple[int, PeerStatus | None, float | None, str]
FACT_DUTIES = {Duty.RECORDS: "Les enregistre",
               Duty.KEEPS: "En réserve (un processus de rang inférieur les enregistre)",
               Duty.OFF: "Aucun lu pour l’instant"}


def ivr_processes(settings: Settings) -> list[ProcessRow]:
    """Each IVR process: its last status (None: never started), the seconds since its
    last call event (None: none yet) and what it does with the queue facts."""
    statuses, now = {s.index: s for s in read_statuses(settings)}, time.time()
    rows: list[ProcessRow] = []
    for index in range(settings.ivr_processes):
        status = statuses.get(index)
        since = now - status.last_event if status and status.last_event else None
        facts = FACT_DUTIES[duty(status, statuses.values(), now)] if status else "—"
        rows.append((index, status, since, facts))
    return rows


@bp.route("/pause", methods=["POST"])
@role_required("administrateur", "superviseur")
def pause() -> Response:
    """Put an agent of a queue on a break, or back to work."""
    form, views = PauseForm(), get_live().views()
    if not form.validate_on_submit():
        abort(400)
    queue, member, paused = form.queue.data or "", form.member.data or "", form.paused.data
    if views is None or member not in getattr(views.get(queue), "members", {}):
        flash("Agent introuvable dans cette file : la page a peut-être changé.", "error")
        return redirect(url_for(".index"))
    try:
        get_live().listener.pause(queue, member, paused, "admin")  # type: ignore[union-attr]
    except AmiError as exc:
        flash(f"Le serveur téléphonique a refusé l’action : {exc}", "error")
        return redirect(url_for(".index"))
    record("queue.pause" if paused else "queue.unpause", f"{queue}/{member}")
    get_session().commit()
    flash(f"{member} {'mis en pause' if paused else 'de nouveau disponible'} ({queue}).", "success")
    return redirect(url_for(".index"))
