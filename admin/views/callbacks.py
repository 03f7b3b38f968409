"""Callbacks worklist: late and pending callbacks per department, and the agent's actions.

Agents see their department; superviseurs and administrateurs see every department.
Every change goes through ``ivr.callbacks.repository`` (compare-and-set transitions),
so a row the scheduler or a colleague moved meanwhile is refused, not overwritten.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms import DateTimeLocalField, SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from admin.audit_trail import record
from admin.auth import role_required
from admin.db import get_session
from admin.live_queues import get_live
from admin.period import PARIS
from admin.published import published_rules
from ivr.callbacks import repository
from ivr.callbacks.click_to_call import ClickToCallError, click_to_call
from ivr.store.models import Callback
from ivr.telephony.ami import AmiError

bp = Blueprint("callbacks", __name__, url_prefix="/callbacks")
RESULTS = {"reached": "Usager joint", "message": "Message laissé", "solved": "Demande réglée"}
ROLES = ("administrateur", "superviseur", "agent")


class ResultForm(FlaskForm):
    outcome = SelectField("Résultat", choices=[SelectChoice(k, v) for k, v in RESULTS.items()])
    note = TextAreaField("Note", validators=[Optional(), Length(max=2000)])


class RescheduleForm(FlaskForm):
    due_at = DateTimeLocalField("Rappeler le", validators=[DataRequired()])
    note = StringField("Note", validators=[Optional(), Length(max=2000)])


class CancelForm(FlaskForm):
    reason = StringField("Motif", validators=[DataRequired(), Length(max=500)])


class CallForm(FlaskForm):
    agent = SelectField("Poste", validate_choice=False, validators=[DataRequired()])


def _now() -> datetime:
    return current_app.config["TOWNHALL_CLOCK"].now()


def _worklists(session: Session, now: datetime) -> dict[str, tuple[list[Callback], list[Callback]]]:
    """Department → (late, pending) open callbacks the user may see."""
    mine = None if current_user.sees_all_departments else current_user.department
    rows = repository.list_callbacks(session, repository.OPEN_STATES, mine)
    lists: dict[str, tuple[list[Callback], list[Callback]]] = {}
    for row in rows:
        late, pending = lists.setdefault(row.target or "", ([], []))
        is_late = row.promised_before is not None and row.promised_before < now
        (late if is_late else pending).append(row)
    return dict(sorted(lists.items()))


@bp.route("/")
@role_required(*ROLES)
def index() -> str:
    """Late callbacks first, then pending ones, per department, with their actions."""
    rules, now = published_rules(), _now()
    names = {t: d.name for t, d in rules.departments.items()} if rules else {}
    agents = {t: rules.queue_members(t) for t in rules.departments} if rules else {}
    return render_template(
        "callbacks/index.html", lists=_worklists(get_session(), now), names=names,
        agents=agents, results=RESULTS, me=current_user.username,
        free_states=("pending", "failed"), interrupted=repository.INTERRUPTED,
    )  # fmt: skip


def _visible(callback_id: int) -> Callback:
    """The callback, if the user's department may see it (404 otherwise)."""
    row = get_session().get(Callback, callback_id)
    if row is None:
        abort(404)
    if not current_user.sees_all_departments and row.target != current_user.department:
        abort(404)
    return row


def _apply(row: Callback, action: str, change: Callable[[Session, datetime], Any],
           done: str, **detail: Any) -> Response:
    """Run one repository transition, audit it and commit; a refused one is explained."""
    session = get_session()
    try:
        change(session, _now())
    except repository.TransitionRefused:
        session.rollback()
        flash("Ce rappel a changé d’état entre-temps : rien n’a été modifié.", "error")
    else:
        record(action, f"rappel {row.id}", target=row.target, **detail)
        session.commit()
        flash(done, "success")
    return redirect(url_for(".index", _anchor=f"rappel-{row.id}"))


@bp.route("/<id:callback_id>/claim", methods=["POST"])
@role_required(*ROLES)
def claim(callback_id: int) -> Response:
    """Take a callback to call the citizen by hand."""
    row, user = _visible(callback_id), current_user.username
    return _apply(row, "callback.claim",
                  lambda s, now: repository.claim_manual(s, row.id, user, now),
                  f"Rappel n° {row.id} pris en charge.")  # fmt: skip


@bp.route("/<id:callback_id>/call", methods=["POST"])
@role_required(*ROLES)
def call(callback_id: int) -> Response:
    """« Appeler »: ring the chosen agent phone, then the citizen (a claimed callback only)."""
    row, form = _visible(callback_id), CallForm()
    rules = published_rules()
    allowed = rules.queue_members(row.target) if rules and row.target in rules.departments else ()
    if not form.validate_on_submit() or form.agent.data not in allowed:
        abort(400)
    if row.state != "claimed" or row.claimed_by != current_user.username:
        flash("Prenez d’abord ce rappel en charge.", "error")
        return redirect(url_for(".index", _anchor=f"rappel-{row.id}"))
    settings, live = current_app.config["TOWNHALL_SETTINGS"], get_live()
    try:
        if live.views() is None:
            raise AmiError("serveur téléphonique injoignable")
        click_to_call(live.listener, f"PJSIP/{form.agent.data}", row.number,  # type: ignore[arg-type]
                      settings.callback_endpoint)
    except (AmiError, ClickToCallError) as exc:
        flash(f"Appel impossible : {exc}.", "error")
    else:
        record("callback.call", f"rappel {row.id}", agent=form.agent.data)
        get_session().commit()
        flash(f"Votre poste {form.agent.data} va sonner, puis l’usager sera appelé.", "success")
    return redirect(url_for(".index", _anchor=f"rappel-{row.id}"))


@bp.route("/<id:callback_id>/result", methods=["POST"])
@role_required(*ROLES)
def result(callback_id: int) -> Response:
    """Record the result of a callback the user claimed, with a note: it is done."""
    row, form, user = _visible(callback_id), ResultForm(), current_user.username
    if not form.validate_on_submit():
        abort(400)
    outcome, note = form.outcome.data or "", form.note.data or None
    return _apply(row, "callback.result",
                  lambda s, now: repository.record_result(s, row.id, user, outcome, note, now),
                  f"Rappel n° {row.id} terminé ({RESULTS[outcome]}).", outcome=outcome)  # fmt: skip


@bp.route("/<id:callback_id>/reschedule", methods=["POST"])
@role_required(*ROLES)
def reschedule(callback_id: int) -> Response:
    """Move a callback nobody is dialling to a later time (town-hall time)."""
    row, form = _visible(callback_id), RescheduleForm()
    if not form.validate_on_submit() or form.due_at.data is None:
        flash("Indiquez une date et une heure valides.", "error")
        return redirect(url_for(".index", _anchor=f"rappel-{row.id}"))
    due_at, note = form.due_at.data.replace(tzinfo=PARIS), form.note.data or None
    return _apply(row, "callback.reschedule",
                  lambda s, now: repository.reschedule(s, row.id, due_at, note, now),
                  f"Rappel n° {row.id} reprogrammé.", due_at=due_at.isoformat())  # fmt: skip


@bp.route("/<id:callback_id>/cancel", methods=["POST"])
@role_required(*ROLES)
def cancel(callback_id: int) -> Response:
    """Cancel a callback nobody is dialling, with a reason."""
    row, form = _visible(callback_id), CancelForm()
    if not form.validate_on_submit():
        flash("Indiquez le motif de l’annulation.", "error")
        return redirect(url_for(".index", _anchor=f"rappel-{row.id}"))
    reason = form.reason.data or ""
    return _apply(row, "callback.cancel",
                  lambda s, now: repository.cancel(s, row.id, reason, now),
                  f"Rappel n° {row.id} annulé.", reason=reason)  # fmt: skip
