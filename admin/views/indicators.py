"""Indicators (home page): volumes, answer rate, service level, routing, callbacks; CSV export."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta

from flask import Blueprint, Response, current_app, render_template, request

from admin.auth import role_required
from admin.db import get_session, get_store
from admin.labels import label
from admin.metrics import Dashboard, compute
from admin.period import PARIS, FilterForm, bounds, department_field, today
from admin.published import department_choices, published_rules
from admin.request_common import department_name, type_label
from ivr.store.appointments import no_show_rate
from ivr.store.request_indicators import IndicatorRow, indicators

bp = Blueprint("indicators", __name__)
ROLES = ("administrateur", "superviseur", "elu")
DEFAULT_DAYS = 30


class IndicatorsForm(FilterForm):
    department = department_field()


def _form() -> IndicatorsForm:
    """The filters; a missing bound means "the last 30 days up to today"."""
    form = IndicatorsForm(request.args)
    form.department.choices = department_choices()
    form.end.data = form.end.data or today()
    form.start.data = form.start.data or form.end.data - timedelta(days=DEFAULT_DAYS - 1)
    return form


def _dashboard(form: IndicatorsForm) -> Dashboard:
    sl = current_app.config["SERVICE_LEVEL_SECONDS"]
    start, end = form.start.data, form.end.data
    assert isinstance(start, date) and isinstance(end, date)
    return compute(get_session(), start, end, form.department.data or None, sl)


@bp.route("/")
@role_required(*ROLES)
def index() -> str | tuple[str, int]:
    """The indicators of the chosen period and department."""
    form = _form()
    if not form.validate():
        return render_template("indicators/index.html", form=form, board=None), 400
    board = _dashboard(form)
    rules = published_rules()
    return render_template(
        "indicators/index.html",
        form=form,
        board=board,
        requests=_request_rows(form),
        type_label=(lambda t: type_label(rules, t)) if rules else str,
        department_name=(lambda d: department_name(rules, d)) if rules else str,
        c=board.calls,
        charts=_charts(board),
        sl=current_app.config["SERVICE_LEVEL_SECONDS"],
        no_shows=_no_shows(form),
    )


def _no_shows(form: IndicatorsForm) -> tuple[int, int]:
    """(absent, honoured or absent) appointments of the period: the no-show rate."""
    low, high = bounds(form.start.data, form.end.data)
    assert low is not None and high is not None
    return no_show_rate(get_store(), low, high)


def _charts(board: Dashboard) -> list[tuple[str, list[tuple[str, float]], str]]:
    """(caption, rows, unit) of the bar charts, labelled in French."""
    c, names = board.calls, _department_names()
    return [
        ("Appels par jour", [
            (date.fromisoformat(d).strftime("%d/%m/%Y"), n) for d, n in c.per_day.items()
        ], ""),
        ("Appels par service", sorted(
            ((names.get(t, t), v["calls"]) for t, v in c.per_target.items()),
            key=lambda row: -row[1],
        ), ""),
        ("Orientation des appels", [
            (label(k, "routed_by") if k != "none" else "non orienté", round(v * 100, 1))
            for k, v in c.routed_by.items()
        ], "\u00a0%"),
        ("Appels par heure", [(f"{h:02d} h", n) for h, n in c.per_hour.items()], ""),
    ]


def _department_names() -> dict[str, str]:
    """Department id → name from the published rules ("none": calls never routed)."""
    rules = published_rules()
    names = {t: d.name for t, d in rules.departments.items()} if rules else {}
    return {**names, "none": "non orienté"}


@bp.route("/indicateurs.csv")
@role_required(*ROLES)
def export() -> Response | tuple[str, int]:
    """The same figures as a CSV file (semicolons, UTF-8 with BOM, for spreadsheets)."""
    form = _form()
    if not form.validate():
        return render_template("indicators/index.html", form=form, board=None), 400
    headers = {"Content-Disposition": "attachment; filename=indicateurs.csv"}
    return Response(_csv(_dashboard(form)), mimetype="text/csv; charset=utf-8", headers=headers)


def _csv(board: Dashboard) -> str:
    """One line per figure: indicator; key; value."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["indicateur", "clé", "valeur"])
    for name, value in board.calls.to_dict().items():
        if isinstance(value, dict):
            writer.writerows([name, key, v] for key, v in _flat(value))
        elif isinstance(value, list):
            writer.writerows([name, i + 1, v] for i, v in enumerate(value))
        else:
            writer.writerow([name, "", "" if value is None else value])
    writer.writerow(["callbacks_due", "", board.callbacks_due])
    writer.writerow(["callbacks_kept", "", board.callbacks_kept])
    return "\ufeff" + out.getvalue()


def _flat(mapping: dict[object, object], prefix: str = "") -> list[tuple[str, object]]:
    """``{"a": {"calls": 2}}`` → ``[("a.calls", 2)]``."""
    rows: list[tuple[str, object]] = []
    for key, value in mapping.items():
        name = f"{prefix}{key}"
        rows += _flat(value, f"{name}.") if isinstance(value, dict) else [(name, value)]
    return rows


def _request_rows(form: IndicatorsForm) -> list[IndicatorRow]:
    """Request indicators per type and department over the period (no personal data)."""
    start, end = form.start.data, form.end.data
    assert isinstance(start, date) and isinstance(end, date)
    since = datetime.combine(start, time(), PARIS)
    until = datetime.combine(end + timedelta(days=1), time(), PARIS)
    now = current_app.config["TOWNHALL_CLOCK"].now()
    rows = indicators(get_store(), since=since, until=until, now=now, rules=published_rules())
    wanted = form.department.data
    return [row for row in rows if not wanted or row.department == wanted]


REQUEST_COLUMNS = (
    "type", "service", "volume", "en_cours", "en_retard", "repondues",
    "delai_median_jours_calendaires", "part_dans_le_delai_annonce",
    "delai_median_jours_ouvres",
)


@bp.route("/demandes.csv")
@role_required(*ROLES)
def export_requests() -> Response | tuple[str, int]:
    """Request indicators per type and department as CSV (semicolons, UTF-8 with BOM)."""
    form = _form()
    if not form.validate():
        return render_template("indicators/index.html", form=form, board=None), 400
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(REQUEST_COLUMNS)
    for r in _request_rows(form):
        writer.writerow([r.type, r.department, r.volume, r.backlog, r.late, r.answered,
                         _decimal(r.median_days), _decimal(r.within_delay),
                         _decimal(r.median_working_days)])
    headers = {"Content-Disposition": "attachment; filename=demandes.csv"}
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv; charset=utf-8",
                    headers=headers)


def _decimal(value: float | None) -> str:
    """French decimal comma for spreadsheets; empty when there is nothing to divide."""
    return "" if value is None else f"{value:.3g}".replace(".", ",")
