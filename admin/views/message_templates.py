"""Notification templates: edit the French texts, preview them with a sample request.

« Aperçu » renders the form's texts with the sample values and shows each error at
its field; « Enregistrer » does the same and keeps the texts only when every part
renders. The SMS preview says its coding and how many SMS it costs.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired

from admin.audit_trail import record
from admin.auth import role_required
from admin.db import get_session
from ivr.messages.encoding import sms_shape
from ivr.messages.templates import DEFAULTS, SAMPLE, Template, problems, render
from ivr.store.models import MessageTemplate
from ivr.store.notifications import reset_template, save_template, template

bp = Blueprint("message_templates", __name__, url_prefix="/messages/modeles")
ROLES = ("administrateur", "superviseur")


class TemplateForm(FlaskForm):
    subject = StringField("Objet du courriel", validators=[DataRequired()])
    sms = TextAreaField("Texte du SMS", validators=[DataRequired()])
    email = TextAreaField("Texte du courriel", validators=[DataRequired()])


@bp.route("/")
@role_required(*ROLES)
def index() -> str:
    """Every template, saying which ones the town hall edited."""
    edited = set(get_session().scalars(select(MessageTemplate.id)))
    return render_template("message_templates/index.html", templates=DEFAULTS.values(),
                           edited=edited)


def _known(template_id: str) -> None:
    if template_id not in DEFAULTS:
        abort(404)


@bp.route("/<template_id>", methods=["GET", "POST"])
@role_required(*ROLES)
def edit(template_id: str) -> str | Response:
    """The form; a POST previews (``apercu``) or saves (``enregistrer``)."""
    _known(template_id)
    session = get_session()
    current = template(session, template_id)
    form = TemplateForm(data={"subject": current.subject, "sms": current.sms,
                              "email": current.email})
    shown = current
    if form.validate_on_submit():
        shown = Template(template_id, current.label, form.subject.data or "",
                         form.sms.data or "", form.email.data or "")
        for part, message in problems(shown).items():
            getattr(form, part).errors = [message]
        if not any(f.errors for f in form) and "enregistrer" in request.form:
            save_template(session, shown, current_user.username)
            record("message_template_saved", template_id)
            session.commit()
            flash("Modèle enregistré.")
            return redirect(url_for("message_templates.edit", template_id=template_id))
    preview = None if any(f.errors for f in form) else render(shown, SAMPLE)
    return render_template("message_templates/edit.html", form=form, label=current.label,
                           template_id=template_id, preview=preview, sample=SAMPLE,
                           shape=sms_shape(preview.sms) if preview else None)


@bp.post("/<template_id>/origine")
@role_required(*ROLES)
def reset(template_id: str) -> Response:
    """Back to the shipped text."""
    _known(template_id)
    session = get_session()
    reset_template(session, template_id)
    record("message_template_reset", template_id)
    session.commit()
    flash("Modèle d’origine rétabli.")
    return redirect(url_for("message_templates.edit", template_id=template_id))
