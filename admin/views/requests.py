"""Citizen requests (demandes): worklists, the request page, status changes and assignment.

Agents see their own department (403 for another); superviseurs and administrateurs
see every department. Every change goes through ``ivr.store.requests`` with the
``version`` the page was drawn with, so of two agents changing one request at once one
wins and the other is told who changed it, and sees the current state. The audit row
is written in the store's own transaction (``admin.request_common.audited``).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms.fields import SelectChoice

from admin.auth import role_required
from admin.db import get_store
from admin.request_common import (
    all_statuses,
    audited,
    department_name,
    http_status,
    labels,
    next_statuses,
    now,
    read_visible,
    rules_in_force,
    status_label,
)
from admin.request_forms import (
    AddressForm,
    AssignForm,
    StatusForm,
    UnlockForm,
    WorklistFilters,
    typed_address,
)
from ivr.requests.errors import RequestError, StaleVersion
from ivr.rules import Rules
from ivr.store import requests as store_requests
from ivr.store import self_service
from ivr.store.request_timeline import timeline
from ivr.store.request_views import RequestView

bp = Blueprint("requests", __name__, url_prefix="/demandes")
ROLES = ("administrateur", "superviseur", "agent")


def _filters(rules: Rules) -> WorklistFilters:
    """The worklist filters; an agent's department is their own."""
    form = WorklistFilters(request.args)
    departments = [SelectChoice(d, department_name(rules, d)) for d in rules.departments]
    if current_user.sees_all_departments:
        form.department.choices = [SelectChoice("", "Tous"), *departments]
    else:
        if form.department.data and form.department.data != current_user.department:
            abort(403)
        form.department.data = current_user.department
        form.department.choices = [c for c in departments if c.value == current_user.department]
    form.type.choices = [SelectChoice("", "Tous"), *(
        SelectChoice(t, k.label) for t, k in rules.request_types.items())]
    form.status.choices = [SelectChoice("", "Tous"), *(
        SelectChoice(s, label) for s, label in all_statuses(rules).items())]
    return form


@bp.route("/")
@role_required(*ROLES)
def index() -> tuple[str, int] | str:
    """Open requests, late first, then by due date, with filters and pages."""
    rules = rules_in_force()
    form = _filters(rules)
    if not form.validate():
        return render_template("requests/index.html", form=form, rows=[], page=1, more=False,
                               now=now(), **labels(rules)), 400
    size = current_app.config["PAGE_SIZE"]
    page = max(1, request.args.get("page", 1, type=int) or 1)
    rows = store_requests.worklist(
        get_store(), now=now(), department=form.department.data or None,
        status=form.status.data or None, type_id=form.type.data or None,
        agent=form.agent.data or None, late_only=bool(form.late.data),
        limit=size + 1, offset=(page - 1) * size)
    return render_template("requests/index.html", form=form, rows=rows[:size], page=page,
                           more=len(rows) > size, now=now(), **labels(rules))


def _address_form(view: RequestView) -> AddressForm:
    """The citizen's address form, filled with the address on file."""
    form = AddressForm(formdata=None)
    if (address := view.citizen_address) is not None:
        form.street.data, form.extra.data = address.street, address.extra
        form.postcode.data, form.city.data = address.postcode, address.city
    return form


def _page(view: RequestView, rules: Rules, code: int = 200, error: str | None = None,
          status_form: StatusForm | None = None,
          address_form: AddressForm | None = None) -> tuple[str, int]:
    """The request page: details, one timeline, files, and the change forms."""
    status_form = status_form or StatusForm()
    status_form.status.choices = [SelectChoice(s, label) for s, label in next_statuses(rules, view)]
    status_form.version.data = str(view.version)
    assign_form = AssignForm()
    assign_form.agent.data = view.agent or ""
    assign_form.department.choices = [SelectChoice(d, department_name(rules, d))
                                      for d in rules.departments]
    assign_form.department.data = view.department
    assign_form.version.data = str(view.version)
    return render_template(
        "requests/detail.html", r=view, now=now(), error=error, status_form=status_form,
        assign_form=assign_form, entries=timeline(get_store(), view), **labels(rules),
        phone_locked=self_service.is_locked(get_store(), view.reference),
        unlock_form=UnlockForm(), address_form=address_form or _address_form(view),
    ), code


@bp.route("/<reference>")
@role_required(*ROLES)
def detail(reference: str) -> tuple[str, int]:
    """One request with its timeline of statuses and contacts."""
    return _page(read_visible(reference), rules_in_force())


def _version(raw: Any) -> int | None:
    text = str(raw or "")
    return int(text) if text.isdigit() and len(text) < 10 else None


def _refused(reference: str, rules: Rules, exc: RequestError) -> tuple[str, int]:
    """Show the current state with why the change was refused (who won a race, if lost)."""
    view = read_visible(reference)
    message = exc.message
    if isinstance(exc, StaleVersion):
        who = view.events[-1].actor if view.events else "quelqu'un d'autre"
        message = (f"Cette demande a été modifiée par {who} entre-temps : voici son état "
                   "actuel. Rien n'a été enregistré ; recommencez si besoin.")
    return _page(view, rules, http_status(exc), message)


@bp.route("/<reference>/statut", methods=["POST"])
@role_required(*ROLES)
def change_status(reference: str) -> Response | tuple[str, int]:
    """Move the request to another status, with a note."""
    rules, view = rules_in_force(), read_visible(reference)
    form = StatusForm()
    version = _version(form.version.data)
    if not form.validate_on_submit() or version is None:
        return _page(view, rules, 400, "Choisissez un nouveau statut (la note fait au plus "
                     "5 000 caractères).")
    try:
        changed = store_requests.change_status(
            get_store(), rules, view.reference, form.status.data or "",
            actor=current_user.username, at=now(), note=form.note.data or None,
            expected_version=version,
            audit=audited("request.status", status=form.status.data))
    except RequestError as exc:
        return _refused(view.reference, rules, exc)
    label = status_label(rules, changed.type, changed.status)
    flash(f"Demande {changed.display_reference} : statut « {label} » enregistré.", "success")
    return redirect(url_for(".detail", reference=changed.reference))


@bp.route("/<reference>/attribution", methods=["POST"])
@role_required(*ROLES)
def assign(reference: str) -> Response | tuple[str, int]:
    """Give the request to an agent (or to nobody), possibly in another department."""
    rules, view = rules_in_force(), read_visible(reference)
    form = AssignForm()
    version = _version(form.version.data)
    if not form.validate_on_submit() or version is None:
        return _page(view, rules, 400, "Attribution invalide : l’agent tient en 64 caractères.")
    department = form.department.data or None
    if department != view.department and not current_user.sees_all_departments:
        abort(403)  # an agent hands work to a colleague, not to another department
    try:
        changed = store_requests.assign(
            get_store(), rules, view.reference, agent=form.agent.data or None,
            actor=current_user.username, at=now(), department=department,
            note=form.note.data or None, expected_version=version,
            audit=audited("request.assign", agent=form.agent.data, department=department))
    except RequestError as exc:
        return _refused(view.reference, rules, exc)
    flash(f"Demande {changed.display_reference} : attribution enregistrée.", "success")
    return redirect(url_for(".detail", reference=changed.reference))


@bp.route("/<reference>/adresse", methods=["POST"])
@role_required(*ROLES)
def set_address(reference: str) -> Response | tuple[str, int]:
    """Write (or erase) the postal address of the request's citizen: « adresse à
    compléter » from the recording of a request made by phone, or a move."""
    rules, view = rules_in_force(), read_visible(reference)
    form = AddressForm()
    if not form.validate_on_submit():
        return _page(view, rules, 400, "Adresse invalide : voyez les champs signalés.",
                     address_form=form)
    try:
        address = None if form.erase.data else typed_address(form, required=True)
        changed = store_requests.set_address(
            get_store(), view.reference, address, actor=current_user.username, at=now(),
            audit=audited("request.address", erased=address is None))
    except RequestError as exc:
        return _page(view, rules, http_status(exc), exc.message, address_form=form)
    said = "enregistrée" if address else "effacée"
    flash(f"Demande {changed.display_reference} : adresse postale {said}.", "success")
    return redirect(url_for(".detail", reference=changed.reference))


@bp.route("/<reference>/deverrouiller", methods=["POST"])
@role_required(*ROLES)
def unlock_phone(reference: str) -> Response | tuple[str, int]:
    """Let the request be consulted by phone again after failed checks locked it."""
    rules, view = rules_in_force(), read_visible(reference)
    if not UnlockForm().validate_on_submit():
        return _page(view, rules, 400, "Formulaire expiré : rechargez la page et recommencez.")
    if self_service.unlock(get_store(), view.reference, actor=current_user.username, at=now()):
        flash(f"Demande {view.display_reference} : suivi par téléphone déverrouillé.",
              "success")
    else:
        flash(f"Demande {view.display_reference} : le suivi par téléphone n'était pas "
              "verrouillé.", "error")
    return redirect(url_for(".detail", reference=view.reference))
