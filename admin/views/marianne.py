"""The Marianne dashboard (élus, managers) and the public page of yearly indicators.

Both show figures only, never a name, number or message of a citizen: the figures of
``ivr.marianne`` carry none. The public survey page answers a link sent by SMS after
a call (no login: the link's secret is the key). The request page of a complaint or
suggestion carries the form posted here to acknowledge it and to answer it: the answer
closes the request and leaves for the citizen through the messages outbox
(``ivr.store.complaints``).
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response as Redirect

from admin.auth import role_required
from admin.charts import trend_chart
from admin.db import get_store
from admin.marianne_report import kept_reports, report_path
from admin.period import PARIS
from admin.published import published_rules
from admin.request_common import audited, http_status, now, read_visible, rules_in_force
from admin.views.requests import _page as request_page
from ivr.marianne.months import InvalidMonth, Month
from ivr.marianne.panels import by_department_rows, panels
from ivr.marianne.survey_link import InvalidAnswer, LinkRefused, read_answers
from ivr.requests.errors import RequestError
from ivr.store.complaints import acknowledge, answer
from ivr.store.marianne import month_board, year_figures
from ivr.store.survey_links import answer_link, open_link

bp = Blueprint("marianne", __name__)
ROLES = ("administrateur", "superviseur", "elu")
ANSWERING = ("administrateur", "superviseur", "agent")


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
    departments = by_department_rows(current, _department_names())
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


@bp.route("/marianne/reponse/<reference>", methods=["POST"])
@role_required(*ANSWERING)
def answer_request(reference: str) -> Redirect | tuple[str, int]:
    """Answer a complaint or suggestion: it closes, the answer is queued for the citizen."""
    rules, view = rules_in_force(), read_visible(reference)
    adopted = {"oui": True, "non": False}.get(request.form.get("adopted", ""))
    try:
        done = answer(get_store(), rules, view.reference,
                      text=request.form.get("answer", ""), actor=current_user.username,
                      at=now(), adopted=adopted, audit=audited("request.answer"))
    except RequestError as exc:
        return request_page(read_visible(reference), rules, http_status(exc),
                            f"Réponse non enregistrée : {exc.message}")
    flash(f"Demande {done.display_reference} : réponse enregistrée et envoyée à "
          "l'usager, demande close.", "success")
    return redirect(url_for("requests.detail", reference=view.reference))


@bp.route("/marianne/accuse/<reference>", methods=["POST"])
@role_required(*ANSWERING)
def acknowledge_request(reference: str) -> Redirect:
    """Send the acknowledgement of a complaint or suggestion to the citizen."""
    view = read_visible(reference)
    acknowledge(get_store(), rules_in_force(), view.reference, actor=current_user.username,
                at=now(), audit=audited("request.acknowledge"))
    flash(f"Demande {view.display_reference} : accusé de réception envoyé.", "success")
    return redirect(url_for("requests.detail", reference=view.reference))


@bp.route("/public/avis/<token>", methods=["GET", "POST"])
def survey_link(token: str) -> tuple[str, int]:
    """The two survey questions of a link sent by SMS after a call."""
    store, at = get_store(), now()
    try:
        open_link(store, token[:64], at)
        if request.method == "POST":
            answer_link(store, token, read_answers(request.form.get("satisfaction", ""),
                                                   request.form.get("got_answer", "")), at)
            return render_template("marianne/survey.html", done=True), 200
    except LinkRefused as exc:
        return render_template("marianne/survey.html", error=exc.message), exc.status
    except InvalidAnswer as exc:
        return render_template("marianne/survey.html", error=str(exc), form=True), 400
    return render_template("marianne/survey.html", form=True), 200
