"""Indicators (home page): volumes, answer rate, service level, routing, callbacks; CSV export."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from flask import Blueprint, Response, current_app, render_template, request
from sqlalchemy.orm import Session

from admin.auth import role_required
from admin.contact_search import distinct_values
from admin.db import get_session
from admin.labels import label
from admin.metrics import Indicators, compute
from admin.period import FilterForm, choices, department_field, today
from ivr.store.models import Contact

bp = Blueprint("indicators", __name__)
ROLES = ("administrateur", "superviseur", "elu")


class IndicatorsForm(FilterForm):
    department = department_field()


def _form(session: Session) -> IndicatorsForm:
    """The filters, defaulting to the last 30 days."""
    form = IndicatorsForm(request.args)
    form.department.choices = choices(distinct_values(session, Contact.target), "Tous")
    if not request.args:
        form.end.data = today()
        form.start.data = form.end.data - timedelta(days=29)
    return form


def _compute(session: Session, form: IndicatorsForm) -> Indicators:
    sl = current_app.config["SERVICE_LEVEL_SECONDS"]
    return compute(session, form.start.data, form.end.data, form.department.data or None, sl)


@bp.route("/")
@role_required(*ROLES)
def index() -> str | tuple[str, int]:
    """The indicators of the chosen period and department."""
    session = get_session()
    form = _form(session)
    if not form.validate():
        return render_template("indicators/index.html", form=form, ind=None), 400
    ind = _compute(session, form)
    routing = [(label(k, "routed_by"), round(v * 100, 1)) for k, v in ind.routed_by.items()]
    sl = current_app.config["SERVICE_LEVEL_SECONDS"]
    return render_template("indicators/index.html", form=form, ind=ind, sl=sl, routing=routing)


@bp.route("/indicateurs.csv")
@role_required(*ROLES)
def export() -> Response | tuple[str, int]:
    """The same figures as a CSV file (semicolons, UTF-8 with BOM, for spreadsheets)."""
    session = get_session()
    form = _form(session)
    if not form.validate():
        return render_template("indicators/index.html", form=form, ind=None), 400
    body = _csv(_compute(session, form))
    headers = {"Content-Disposition": "attachment; filename=indicateurs.csv"}
    return Response(body, mimetype="text/csv; charset=utf-8", headers=headers)


def _csv(ind: Indicators) -> str:
    """One line per figure: section; key; value."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["indicateur", "clé", "valeur"])
    for name in (
        "calls",
        "offered",
        "answered",
        "abandoned",
        "answer_rate",
        "abandonment_rate",
        "service_level",
        "average_answer_seconds",
        "callbacks_due",
        "callbacks_kept_rate",
    ):
        value = getattr(ind, name)
        writer.writerow([name, "", "" if value is None else round(value, 4)])
    for section in ("per_day", "per_department", "busiest_hours"):
        writer.writerows([section, key, value] for key, value in getattr(ind, section))
    writer.writerows(["routed_by", key, round(share, 4)] for key, share in ind.routed_by.items())
    return "\ufeff" + out.getvalue()
