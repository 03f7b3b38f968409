"""Contacts: searchable list and detail; agents see their own department only."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional

from admin.auth import role_required
from admin.db import get_session
from admin.labels import options
from admin.paging import Page
from admin.period import FilterForm, bounds
from admin.published import department_choices
from ivr.store.models import Callback
from ivr.store.queries import count_contacts, get_contact, list_contacts

bp = Blueprint("contacts", __name__, url_prefix="/contacts")
ROLES = ("administrateur", "superviseur", "agent")


class ContactFilterForm(FilterForm):
    text = StringField("Recherche (appelant, texte)", validators=[Optional(), Length(max=100)])
    target = SelectField("Service", validate_choice=False)
    outcome = SelectField("Issue", choices=options("outcome", "Toutes"), validate_choice=False)
    routed_by = SelectField(
        "Orientation", choices=options("routed_by", "Toutes"), validate_choice=False
    )


def _own_department() -> str | None:
    """The department an agent is confined to (None: every department)."""
    return None if current_user.sees_all_departments else (current_user.department or "\0")


def _filters(form: ContactFilterForm) -> dict[str, Any]:
    """The store's search filters; an agent's department overrides the chosen one."""
    since, until = bounds(form.start.data, form.end.data)
    return {
        "since": since,
        "until": until,
        "text": form.text.data or None,
        "target": _own_department() or (form.target.data if "target" in form else None) or None,
        "outcome": form.outcome.data or None,
        "routed_by": form.routed_by.data or None,
    }


@bp.route("/")
@role_required(*ROLES)
def index() -> tuple[str, int] | str:
    """The filtered, paginated list."""
    session = get_session()
    form = ContactFilterForm(request.args)
    form.target.choices = department_choices()
    if _own_department():
        del form.target
    if not form.validate():
        return render_template("contacts/index.html", form=form, contacts=[], page=None), 400
    filters = _filters(form)
    page = Page.from_request(count_contacts(session, **filters))
    contacts = list_contacts(session, limit=page.size, offset=page.offset, **filters)
    return render_template("contacts/index.html", form=form, contacts=contacts, page=page)


@bp.route("/<id:contact_id>")
@role_required(*ROLES)
def detail(contact_id: int) -> str:
    """One contact with its history, route and callbacks."""
    session = get_session()
    contact = get_contact(session, contact_id)
    own = _own_department()
    if contact is None or (own is not None and contact.target != own):
        abort(404)
    callbacks = session.scalars(select(Callback).where(Callback.contact_id == contact.id)).all()
    return render_template("contacts/detail.html", contact=contact, callbacks=callbacks)
