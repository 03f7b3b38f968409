"""Information lists at the counter: an agent subscribes a citizen (proof: the agent, the
channel « guichet », the wording read out), and « send to a list », paced, with progress."""

from __future__ import annotations

import uuid
from datetime import datetime

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import HiddenField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from admin.audit_trail import record
from admin.auth import role_required
from admin.db import get_session, get_store
from admin.labels import MESSAGE_STATES
from ivr.requests.errors import RequestError
from ivr.store import broadcasts
from ivr.store.citizens import ensure_citizen, find_citizen
from ivr.store.subscriptions import consent_register, lists, set_subscription

bp = Blueprint("subscriptions", __name__, url_prefix="/messages/listes")
AGENTS = ("administrateur", "superviseur", "agent")
WORDING = ("J’accepte de recevoir par SMS ou courriel les messages de cette liste d’information "
           "de la mairie ; je peux me désinscrire à tout moment (STOP par SMS).")


def _now() -> datetime:
    return current_app.config["TOWNHALL_CLOCK"].now()


def _list_choices() -> list[SelectChoice]:
    return [SelectChoice(item.name, item.label) for item in lists(get_store())]


class SubscribeForm(FlaskForm):
    phone = StringField("Téléphone", validators=[Optional(), Length(max=32)])
    email = StringField("Courriel", validators=[Optional(), Length(max=254)])
    list_name = SelectField("Liste", validators=[DataRequired()])
    action = RadioField("Choix", choices=[SelectChoice("inscrire", "Inscrire"),
                                          SelectChoice("desinscrire", "Désinscrire")],
                        default="inscrire")
    wording = TextAreaField("Texte lu à l’usager et accepté",
                            validators=[DataRequired(), Length(max=2000)])


class BroadcastForm(FlaskForm):
    key = HiddenField(validators=[InputRequired()])
    list_name = SelectField("Liste", validators=[DataRequired()])
    subject = StringField("Objet (courriel)", validators=[DataRequired(), Length(max=200)])
    body = TextAreaField("Texte", validators=[DataRequired(), Length(max=1000)])
    per_minute = IntegerField("Messages par minute", default=60, validators=[
        InputRequired("Indiquez un rythme."),
        NumberRange(1, broadcasts.MAX_PER_MINUTE, "De 1 à %(max)s messages par minute.")])


@bp.route("/inscrire", methods=["GET", "POST"])
@role_required(*AGENTS)
def subscribe() -> str | Response:
    """Subscribe or unsubscribe a citizen found (or created) by phone or e-mail."""
    form = SubscribeForm()
    form.list_name.choices = _list_choices()
    if not form.wording.data:
        form.wording.data = WORDING
    if form.validate_on_submit():
        try:
            _record_subscription(form)
        except RequestError as exc:
            (form.email if "électronique" in exc.message else form.phone).errors = [exc.message]
        else:
            flash("Inscription enregistrée." if form.action.data == "inscrire"
                  else "Désinscription enregistrée.")
            return redirect(url_for("subscriptions.subscribe"))
    return render_template("subscriptions/subscribe.html", form=form)


def _record_subscription(form: SubscribeForm) -> None:
    phone, email = (form.phone.data or "").strip(), (form.email.data or "").strip()
    if not phone and not email:
        raise RequestError("Indiquez le téléphone ou le courriel de l’usager.")
    citizen = ensure_citizen(get_store(), phones=[phone] if phone else [],
                             emails=[email] if email else [])
    set_subscription(get_store(), citizen.id, form.list_name.data or "",
                     subscribed=form.action.data == "inscrire", at=_now(), channel="counter",
                     wording=form.wording.data or "", actor=current_user.username)
    record("subscription_" + (form.action.data or ""), f"usager:{citizen.id}",
           list=form.list_name.data)


@bp.route("/diffusion", methods=["GET", "POST"])
@role_required("administrateur", "superviseur")
def broadcast() -> str | Response:
    """« Send to a list »: the form (a fresh key per form: a double submit starts nothing)."""
    form = BroadcastForm()
    form.list_name.choices = _list_choices()
    if not form.key.data:
        form.key.data = uuid.uuid4().hex
    if form.validate_on_submit():
        try:
            started = broadcasts.start(
                get_store(), key=form.key.data, list_name=form.list_name.data or "",
                subject=form.subject.data or "", body=form.body.data or "",
                per_minute=form.per_minute.data or 0, actor=current_user.username, at=_now())
        except RequestError as exc:
            form.body.errors = [exc.message]
        else:
            record("broadcast_started", f"diffusion:{started}", list=form.list_name.data)
            return redirect(url_for("subscriptions.progress", broadcast_id=started))
    return render_template("subscriptions/broadcast.html", form=form,
                           recent=broadcasts.recent(get_store()))


@bp.route("/diffusion/<int:broadcast_id>")
@role_required("administrateur", "superviseur")
def progress(broadcast_id: int) -> str:
    """Where a broadcast stands (the page refreshes itself while it runs)."""
    try:
        shown = broadcasts.progress(get_store(), broadcast_id)
    except RequestError:
        abort(404)
    return render_template("subscriptions/progress.html", p=shown, states=MESSAGE_STATES)


class RegisterQuery(FlaskForm):
    class Meta:
        csrf = False

    phone = StringField("Téléphone", validators=[Optional(), Length(max=32)])
    email = StringField("Courriel", validators=[Optional(), Length(max=254)])


@bp.route("/registre")
@role_required("administrateur", "superviseur")
def register() -> str | Response:
    """A citizen's consent register (given and withdrawn, with how and the wording);
    ``?format=json`` is the export for a GDPR access request (audited)."""
    form = RegisterQuery(request.args)
    rows: list[dict[str, object]] | None = None
    if form.phone.data or form.email.data:
        try:
            citizen = find_citizen(get_store(), phone=form.phone.data or None,
                                   email=form.email.data or None)
        except RequestError as exc:
            (form.email if "électronique" in exc.message else form.phone).errors = [exc.message]
        else:
            rows = consent_register(get_store(), citizen.id) if citizen else []
            if citizen and request.args.get("format") == "json":
                record("consent_register_exported", f"usager:{citizen.id}")
                get_session().commit()
                answer = jsonify(citizen=citizen.id, consents=rows)
                answer.headers["Content-Disposition"] = \
                    f"attachment; filename=consentements-{citizen.id}.json"
                return answer
    return render_template("subscriptions/register.html", form=form, rows=rows,
                           args=request.args)
