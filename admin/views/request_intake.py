"""Requests coming in at the counter, bulk status updates by CSV, and request files.

- An agent at the counter records a request; the citizen is found by phone or e-mail,
  or created, in the request's own transaction.
- A CSV import (``référence;statut[;note]``) moves many requests at once (the batch of
  identity cards that arrived): each line is applied whole or not at all, the good
  lines go in even when others are refused, and the page reports every line. An
  agent's lines may only name their own department's requests (others are refused at
  their line); superviseurs and administrateurs import for every department.
- A file is served by its id within the request, from the attachment area, with its
  recorded MIME type, to the roles that may see the request: never a path from the URL.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms.fields import SelectChoice

from admin.auth import role_required
from admin.db import get_store
from admin.request_common import (
    attachment_of,
    audited,
    may_see,
    now,
    read_visible,
    rules_in_force,
)
from admin.request_forms import CreateForm, ImportForm, typed_address
from admin.views.requests import ROLES
from ivr.requests import csv_import
from ivr.requests.errors import RequestError
from ivr.requests.inputs import parse_date
from ivr.store import request_import
from ivr.store import requests as store_requests
from ivr.store.citizens import NewCitizen

bp = Blueprint("request_intake", __name__, url_prefix="/demandes")


def _citizen(form: CreateForm) -> NewCitizen | None:
    """The citizen described by the form (None when nothing was given)."""
    phone, email = (form.phone.data or "").strip(), (form.email.data or "").strip()
    born = form.birth_date.data and parse_date(form.birth_date.data, "la date de naissance")
    name = (form.name.data or "").strip() or None
    address = typed_address(form)
    if not (phone or email or name or address):
        return None
    return NewCitizen(name=name, phones=(phone,) if phone else (),
                      emails=(email,) if email else (), birth_date=born or None,
                      address=address)


@bp.route("/nouvelle", methods=["GET", "POST"])
@role_required(*ROLES)
def create() -> Response | tuple[str, int] | str:
    """Record a request made at the counter."""
    rules = rules_in_force()
    form = CreateForm()
    if not form.is_submitted():  # from the agent's desk: the caller's number, ready
        form.phone.data = request.args.get("telephone", "")[:32] or None
    form.type.choices = [SelectChoice(t, k.label) for t, k in rules.request_types.items()]
    if not form.validate_on_submit():
        code = 400 if form.is_submitted() else 200
        return render_template("requests/create.html", form=form, error=None), code
    try:
        citizen = _citizen(form)
        view = store_requests.create_request(
            get_store(), rules, type_id=form.type.data or "", at=now(),
            actor=current_user.username, channel="counter", citizen=citizen,
            subject=form.subject.data, description=form.description.data,
            audit=audited("request.create", type=form.type.data))
    except RequestError as exc:
        return render_template("requests/create.html", form=form, error=exc.message), 400
    flash(f"Demande enregistrée : référence {view.display_reference}.", "success")
    if may_see(view.department):
        return redirect(url_for("requests.detail", reference=view.reference))
    return redirect(url_for(".create"))


@bp.route("/import", methods=["GET", "POST"])
@role_required(*ROLES)
def bulk_import() -> tuple[str, int] | str:
    """Apply a CSV of status changes and report every line (an agent: their department's)."""
    rules, form = rules_in_force(), ImportForm()
    if not form.validate_on_submit():
        code = 400 if form.is_submitted() else 200
        return render_template("requests/import.html", form=form, report=None), code
    upload = form.file.data
    data = upload.read(csv_import.MAX_BYTES + 1)
    parsed = csv_import.parse_import(data)
    departments = (None if current_user.sees_all_departments
                   else frozenset({current_user.department}))
    report = request_import.apply_import(
        get_store(), rules, parsed, actor=current_user.username, at=now(),
        audit=audited("request.import", file=upload.filename or ""), departments=departments)
    code = 400 if report.fatal else 200
    return render_template("requests/import.html", form=form, report=report), code


@bp.route("/<reference>/pieces/<id:attachment_id>")
@role_required(*ROLES)
def attachment(reference: str, attachment_id: int) -> Response:
    """One file of the request, inline for audio (the page plays it), else as a download."""
    file = attachment_of(read_visible(reference), attachment_id)
    if file is None:
        abort(404)
    found, path = file
    inline = found.mime.startswith("audio/")
    return send_file(path, mimetype=found.mime, as_attachment=not inline,
                     download_name=found.filename, max_age=0)
