"""The Marianne dashboard (élus, managers) and the public page of yearly indicators.

Both show figures only, never a name, number or message of a citizen: the figures of
``ivr.marianne`` carry none.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template, request, send_file

from admin.auth import role_required
from admin.charts import bar_chart, trend_chart
from admin.db import get_store
from admin.marianne_report import kept_reports, report_path
from admin.period import PARIS
from admin.published import published_rules
from ivr.marianne.months import InvalidMonth, Month
from ivr.marianne.panels import by_department_rows, panels
from ivr.store.marianne import month_board, year_figures

bp = Blueprint("marianne", __name__)
ROLES = ("administrateur", "superviseur", "elu")


def _now_month() -> Month:
    return Month.of(current_app.config["TOWNHALL_CLOCK"].now(), PARIS)


def _department_names() -> dict[str, str]:
    rules = published_rules()
    return {key: d.name for key, d in rules.departments.items()} if rules else {}


@bp.route("/marianne/")
@role_required(*ROLES)
def index() -> str | tuple[str, int]:
    """The five commitments of one month (« mois=AAAA-MM », this month by default)."""
    try:
        month = Month.parse(request.args["mois"]) if request.args.get("mois") else _now_month()
    except InvalidMonth as exc:
        return render_template("marianne/index.html", error=str(exc), month=None), 400
    now = current_app.config["TOWNHALL_CLOCK"].now()
    current, series = month_board(get_store(), month, PARIS, now)
    shown = panels(current, series)
    charts = {p.number: trend_chart(p.trend_label, list(p.trend), p.target) for p in shown}
    departments = bar_chart("Note moyenne sur 5",
                            by_department_rows(current, _department_names()))
    return render_template("marianne/index.html", month=month, panels=shown, charts=charts,
                           departments=departments, empty=current.empty, error=None,
                           previous=month.shifted(-1), following=month.shifted(1))


@bp.route("/public/indicateurs")
def public() -> str | tuple[str, int]:
    """The yearly indicators Services Publics+ asks to publish (no login, no personal data)."""
    now = current_app.config["TOWNHALL_CLOCK"].now()
    text = request.args.get("annee", "")
    year = int(text) if text.isdigit() and len(text) == 4 else None
    if text and year is None:
        return render_template("marianne/public.html", error=f"Année invalide : « {text} ».",
                               year=None), 400
    year = year or now.astimezone(PARIS).year
    board = year_figures(get_store(), year, PARIS, now)
    return render_template("marianne/public.html", year=year, panels=panels(board, []),
                           empty=board.empty, error=None)


@bp.route("/marianne/rapports")
@role_required(*ROLES)
def reports() -> str:
    """The monthly reports kept, newest first."""
    months = kept_reports(current_app.config["TOWNHALL_SETTINGS"].home)
    return render_template("marianne/reports.html", months=months)


@bp.route("/marianne/rapports/<month>.pdf")
@role_required(*ROLES)
def report(month: str) -> Response:
    """One monthly report, as a PDF download."""
    try:
        path = report_path(current_app.config["TOWNHALL_SETTINGS"].home, Month.parse(month))
    except InvalidMonth:
        abort(404)
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype="application/pdf", as_attachment=True,
                     download_name=path.name)
