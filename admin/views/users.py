"""Accounts management (administrateur only): list, create, deactivate, reactivate."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import PasswordField, SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, Regexp, ValidationError

from admin.accounts import MIN_PASSWORD, AccountError, add_user
from admin.audit_trail import record
from admin.auth import ROLES, role_required
from admin.db import get_session
from admin.published import department_choices
from ivr.store.models import User

bp = Blueprint("users", __name__, url_prefix="/users")
USERNAME_HINT = "Lettres, chiffres, . _ @ - uniquement."


class UserForm(FlaskForm):
    username = StringField(
        "Identifiant",
        validators=[DataRequired(), Length(max=64), Regexp(r"^[\w.@-]+$", message=USERNAME_HINT)],
    )
    password = PasswordField(
        "Mot de passe",
        validators=[
            DataRequired(),
            Length(min=MIN_PASSWORD, message=f"{MIN_PASSWORD} caractères au moins."),
        ],
    )
    role = SelectField("Rôle", choices=[SelectChoice(v, lbl) for v, lbl in ROLES.items()])
    department = SelectField("Service (pour les agents)", default="")

    def validate_department(self, field: SelectField) -> None:
        """An agent works for one department: it must be given."""
        if self.role.data == "agent" and not field.data:
            raise ValidationError("Un agent doit être rattaché à un service.")


@bp.route("/", methods=["GET", "POST"])
@role_required("administrateur")
def index() -> Any:
    """List the accounts and create a new one."""
    session = get_session()
    form = UserForm()
    form.department.choices = department_choices("Aucun")
    if form.validate_on_submit():
        try:
            now = current_app.config["TOWNHALL_CLOCK"].now()
            add_user(
                session,
                now,
                form.username.data or "",
                form.password.data or "",
                form.role.data or "",
                form.department.data,
                actor=current_user.username,
            )
        except AccountError as exc:
            form.username.errors = [str(exc)]
        else:
            session.commit()
            flash(f"Compte « {form.username.data} » créé.", "success")
            return redirect(url_for(".index"))
    users = session.scalars(select(User).order_by(User.username)).all()
    return render_template("users/index.html", users=users, form=form)


@bp.route("/<id:user_id>/active", methods=["POST"])
@role_required("administrateur")
def toggle_active(user_id: int) -> Response:
    """Deactivate (or reactivate) an account; one cannot lock oneself out."""
    user = get_session().get(User, user_id) or abort(404)
    if user.id == current_user.id:
        flash("Vous ne pouvez pas désactiver votre propre compte.", "error")
        return redirect(url_for(".index"))
    user.active = not user.active
    if not user.active:  # its sessions end for good: a reactivation does not revive them
        user.session_version += 1
    record("user.activate" if user.active else "user.deactivate", user.username)
    get_session().commit()
    flash(f"Compte « {user.username} » {'réactivé' if user.active else 'désactivé'}.", "success")
    return redirect(url_for(".index"))
