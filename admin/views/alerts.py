"""Flood alerts (« Alertes »): prepare a campaign, launch it, follow it live, stop or
resume it, download its report; import the safeguard-plan register.

Everyone who follows the crisis may read (élus among them: the mayor); only an
administrateur or the « gestion de crise » role prepares, launches, stops and
imports. Every launch, stop and resume is audited by ``ivr.store.alert_launch``.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    url_for,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from werkzeug.wrappers import Response
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from admin.alert_report import report_pdf
from admin.alert_status import status_json
from admin.auth import role_required
from admin.db import get_store
from admin.period import PARIS
from admin.prompt_files import UPLOAD_FORMATS
from admin.published import published_rules
from admin.request_common import rules_in_force
from ivr.alerts.adapters.message_audio import install_upload, remove_message
from ivr.alerts.register_csv import MAX_BYTES, parse_register, report_lines
from ivr.alerts.report import STATE_LABELS, report_csv
from ivr.audio_files import AudioRefused
from ivr.store import alert_launch, alert_reports
from ivr.store.safeguard_register import apply_register, register_size

bp = Blueprint("alerts", __name__, url_prefix="/alertes")
VIEWERS = ("administrateur", "superviseur", "crise", "elu")
LAUNCHERS = ("administrateur", "crise")
MODES = [SelectChoice("alerte", "Alerte : rappeler chacun jusqu'à ce qu'il confirme"),
         SelectChoice("information",
                      "Information : trois essais à cinq minutes, puis la messagerie")]


class CampaignForm(FlaskForm):
    title = StringField("Titre", validators=[DataRequired("Donnez un titre à la campagne."),
                                             Length(max=200)])
    mode = SelectField("Mode", choices=MODES, validate_choice=False, validators=[
        AnyOf([m.value for m in MODES], "Mode inconnu : choisissez alerte ou information.")])
    message_text = TextAreaField("Texte lu par la voix de synthèse",
                                 validators=[Optional(), Length(max=2000)])
    audio = FileField("Ou un enregistrement (remplace la voix de synthèse)", validators=[
        FileAllowed(UPLOAD_FORMATS, "Formats acceptés : " + ", ".join(UPLOAD_FORMATS) + ".")])
    test_mode = BooleanField("Essai : n'appeler que la cellule de crise")


class LaunchForm(FlaskForm):
    confirm_second = BooleanField("Lancer même si une autre campagne est en cours")


class RegisterForm(FlaskForm):
    file = FileField("Fichier CSV du registre", validators=[
        FileRequired("Choisissez un fichier CSV."),
        FileAllowed(["csv", "txt"], "Envoyez un fichier .csv (enregistré depuis le tableur).")])


def _now() -> Any:
    return current_app.config["TOWNHALL_CLOCK"].now()


def _found(campaign_id: int) -> alert_reports.CampaignView:
    view = alert_reports.campaign_view(get_store(), campaign_id)
    if view is None:
        abort(404)
    return view


@bp.route("/")
@role_required(*VIEWERS)
def index() -> str:
    """The campaigns, newest first, and the register's size."""
    return render_template("alerts/index.html", rows=alert_reports.campaigns(get_store()),
                           register=register_size(get_store()), labels=STATE_LABELS,
                           may_launch=current_user.role in LAUNCHERS)


def _message_audio(form: CampaignForm) -> str | None:
    """The uploaded recording installed as a sound (None when none was sent)."""
    upload = form.audio.data
    if not upload or not upload.filename:
        return None
    return install_upload(upload, current_app.config["TOWNHALL_SETTINGS"].sounds_dir)


@bp.route("/nouvelle", methods=["GET", "POST"])
@role_required(*LAUNCHERS)
def create() -> Response | str | tuple[str, int]:
    """Prepare a campaign (a draft: nothing is called before « Lancer »)."""
    form = CampaignForm()
    if not form.validate_on_submit():
        return render_template("alerts/create.html", form=form), 400 if form.is_submitted() \
            else 200
    text = (form.message_text.data or "").strip() or None
    try:
        audio = _message_audio(form)
    except AudioRefused as exc:
        form.audio.errors = [f"Enregistrement refusé : {exc}."]
        return render_template("alerts/create.html", form=form), 400
    if text is None and audio is None:
        form.message_text.errors = ["Écrivez le message ou envoyez un enregistrement."]
        return render_template("alerts/create.html", form=form), 400
    draft = alert_launch.Draft(form.title.data or "", form.mode.data or "alerte", text, audio,
                               form.test_mode.data)
    try:
        campaign_id = alert_launch.prepare(get_store(), rules_in_force().alerts, draft,
                                           actor=current_user.username, via="admin", at=_now())
    except alert_launch.LaunchRefused as exc:
        if audio:
            remove_message(current_app.config["TOWNHALL_SETTINGS"].sounds_dir, audio)
        form.title.errors = [exc.message]
        return render_template("alerts/create.html", form=form), 400
    flash("Campagne préparée : vérifiez-la, puis lancez-la.", "success")
    return redirect(url_for(".detail", campaign_id=campaign_id))


@bp.route("/<id:campaign_id>")
@role_required(*VIEWERS)
def detail(campaign_id: int) -> str:
    """The live page: its figures and lists come from ``status`` every few seconds."""
    view = _found(campaign_id)
    status = alert_reports.live_status(get_store(), campaign_id)
    return render_template("alerts/detail.html", campaign=view, status=status,
                           labels=STATE_LABELS, form=LaunchForm(),
                           may_launch=current_user.role in LAUNCHERS,
                           running=alert_launch.others_running(get_store(), campaign_id))


@bp.route("/<id:campaign_id>/etat")
@role_required(*VIEWERS)
def status(campaign_id: int) -> Response:
    """The live status as JSON (polled by the live page)."""
    live = alert_reports.live_status(get_store(), campaign_id)
    if live is None:
        return _json_error(404, "Campagne inconnue.")
    return jsonify(status_json(live, request_url=_request_url))


def _request_url(reference: str) -> str:
    return url_for("requests.detail", reference=reference)


def _json_error(code: int, message: str) -> Response:
    response = jsonify(error=message)
    response.status_code = code
    return response


@bp.route("/<id:campaign_id>/lancer", methods=["POST"])
@role_required(*LAUNCHERS)
def launch(campaign_id: int) -> Response:
    """Launch a prepared campaign; refused while another runs unless confirmed."""
    _found(campaign_id)
    form = LaunchForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        done = alert_launch.launch(get_store(), campaign_id, actor=current_user.username,
                                   confirm_second=form.confirm_second.data,
                                   at=_now())
    except alert_launch.LaunchRefused as exc:
        flash(exc.message, "error")
        return redirect(url_for(".detail", campaign_id=campaign_id))
    flash(f"Campagne lancée : {done.recipients} personne(s) à appeler.", "success")
    return redirect(url_for(".detail", campaign_id=campaign_id))


@bp.route("/<id:campaign_id>/arreter", methods=["POST"])
@role_required(*LAUNCHERS)
def stop(campaign_id: int) -> Response:
    """Stop calling (calls in progress end; nobody new is called)."""
    return _change(campaign_id, alert_launch.stop, "Campagne arrêtée.")


@bp.route("/<id:campaign_id>/reprendre", methods=["POST"])
@role_required(*LAUNCHERS)
def resume(campaign_id: int) -> Response:
    """Go on calling whoever is not done."""
    return _change(campaign_id, alert_launch.resume, "Campagne reprise.")


def _change(campaign_id: int, action: Any, done: str) -> Response:
    _found(campaign_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        action(get_store(), campaign_id, actor=current_user.username, at=_now())
    except alert_launch.LaunchRefused as exc:
        flash(exc.message, "error")
    else:
        flash(done, "success")
    return redirect(url_for(".detail", campaign_id=campaign_id))


@bp.route("/<id:campaign_id>/rapport.csv")
@role_required(*VIEWERS)
def report_as_csv(campaign_id: int) -> Response:
    """The report, one row per attempt, for a spreadsheet."""
    found = alert_reports.report(get_store(), campaign_id) or abort(404)
    campaign, people = found
    return current_app.response_class(report_csv(campaign, people, PARIS), mimetype="text/csv",
                                      headers={
        "Content-Disposition": f"attachment; filename=alerte-{campaign_id}.csv"})


@bp.route("/<id:campaign_id>/rapport.pdf")
@role_required(*VIEWERS)
def report_as_pdf(campaign_id: int) -> Response:
    """The report printed (for the mayor and the préfecture)."""
    found = alert_reports.report(get_store(), campaign_id) or abort(404)
    campaign, people = found
    rules = published_rules()
    town = rules.town.name if rules else "Mairie"
    return current_app.response_class(report_pdf(campaign, people, town, PARIS, _now()),
                                      mimetype="application/pdf", headers={
                        "Content-Disposition": f"attachment; filename=alerte-{campaign_id}.pdf"})


@bp.route("/registre", methods=["GET", "POST"])
@role_required(*LAUNCHERS)
def register() -> str | tuple[str, int]:
    """Import the safeguard-plan register (CSV) and report every refused line."""
    form = RegisterForm()
    if not form.validate_on_submit():
        code = 400 if form.is_submitted() else 200
        return render_template("alerts/register.html", form=form, report=None, done=None,
                               size=register_size(get_store())), code
    upload = form.file.data
    parsed = parse_register(upload.read(MAX_BYTES + 1))
    done = None
    if parsed.fatal is None:
        done = apply_register(get_store(), parsed, actor=current_user.username, at=_now(),
                              source=upload.filename or "registre.csv")
    return render_template("alerts/register.html", form=form, report=report_lines(parsed),
                           parsed=parsed, done=done, size=register_size(get_store())), \
        400 if parsed.fatal else 200
