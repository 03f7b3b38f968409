"""Agendas: the day and week of each appointment calendar, and the secretary's actions.

The secretary (agent of the calendar's department, superviseur, administrateur)
books, moves, cancels and marks « honoré » or « absent »; an élu sees the calendars
that name them among their ``owners``, read-only. Whoever sees a calendar may make a
new secret address of its iCalendar feed (shown once, with a copy button; the old one
stops working) or revoke it. The calendars themselves are declared in
``routing_rules.yaml``, edited on the « Règles » page. Every change goes through
``ivr.store.appointments`` (the database refuses a slot twice) with its audit line in
the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms import DateTimeLocalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from admin import calendar_rules, rules_publish
from admin.audit_trail import add
from admin.auth import role_required
from admin.db import get_store
from admin.published import published_rules
from ivr.appointments import slots
from ivr.domain.date_bounds import check_date
from ivr.requests.errors import RequestError
from ivr.requests.reference import grouped
from ivr.rules import RuleIssue, Rules
from ivr.rules.appointments import AppointmentCalendar
from ivr.settings import Settings
from ivr.store import appointments as ap
from ivr.store import calendar_feeds
from ivr.store.citizens import NewCitizen

bp = Blueprint("agenda", __name__, url_prefix="/agenda")
VIEWERS = ("administrateur", "superviseur", "agent", "elu")
SECRETARIES = ("administrateur", "superviseur", "agent")
STATUS = {"reserve": "Réservé", "honore": "Honoré", "annule": "Annulé", "absent": "Absent"}


class BookForm(FlaskForm):
    start = StringField("Créneau", validators=[DataRequired(), Length(max=40)])
    motive = SelectField("Motif", validate_choice=False, validators=[DataRequired()])
    name = StringField("Nom", validators=[Optional(), Length(max=100)])
    phone = StringField("Téléphone", validators=[Optional(), Length(max=32)])
    email = StringField("Courriel", validators=[Optional(), Length(max=254)])


class MoveForm(FlaskForm):
    start = DateTimeLocalField("Nouveau créneau", validators=[DataRequired()])


class MarkForm(FlaskForm):
    status = SelectField("Statut", choices=[SelectChoice("honore", "Honoré"),
                                            SelectChoice("absent", "Absent")])


def _now() -> datetime:
    return current_app.config["TOWNHALL_CLOCK"].now()


def _rules() -> Rules:
    rules = published_rules()
    if rules is None:
        abort(503)
    return rules


def visible(rules: Rules) -> dict[str, AppointmentCalendar]:
    """The calendars the user may see: an élu their own, an agent their department's."""
    role, calendars = current_user.role, rules.appointments.calendars
    if role == "elu":
        return {k: c for k, c in calendars.items() if current_user.username in c.owners}
    if role == "agent":
        return {k: c for k, c in calendars.items() if c.department == current_user.department}
    return dict(calendars)


def _calendar(rules: Rules, calendar_id: str) -> AppointmentCalendar:
    cal = visible(rules).get(calendar_id)
    if cal is None:
        abort(404)
    return cal


@bp.route("/")
@role_required(*VIEWERS)
def index() -> Response | str:
    """The first calendar the user may see."""
    calendars = visible(_rules())
    if not calendars:
        return render_template("agenda/none.html")
    return redirect(url_for(".show", calendar_id=next(iter(calendars))))


def _days(rules: Rules) -> tuple[list[date], str, date]:
    """The days shown: ``?jour=`` (default today) alone, or its week with ``?vue=semaine``."""
    today = _now().astimezone(rules.town.zone).date()
    try:  # a day that is no date, or too far (its week would overflow), shows today
        day = check_date(date.fromisoformat(request.args["jour"])) if request.args.get(
            "jour") else today
    except ValueError:
        day = today
    view = "semaine" if request.args.get("vue") == "semaine" else "jour"
    if view == "jour":
        return [day], view, day
    monday = day - timedelta(days=day.weekday())
    return [monday + timedelta(days=i) for i in range(7)], view, day


def _rows(rules: Rules, calendar_id: str, day: date,
          booked: list[ap.AppointmentView]) -> list[dict[str, Any]]:
    """The day's slots, each free or with its appointments, plus off-grid appointments."""
    by_start: dict[datetime, list[ap.AppointmentView]] = {}
    for view in booked:
        local = view.start.astimezone(rules.town.zone)
        if local.date() == day:
            by_start.setdefault(local, []).append(view)
    starts = sorted({*slots.day_slots(rules, calendar_id, day), *by_start})
    return [{"start": start, "items": by_start.get(start, [])} for start in starts]


@bp.route("/<calendar_id>")
@role_required(*VIEWERS)
def show(calendar_id: str) -> str:
    """The day or week of one calendar, with the free slots and the actions."""
    rules = _rules()
    cal = _calendar(rules, calendar_id)
    days, view, day = _days(rules)
    zone = rules.town.zone
    since = datetime.combine(days[0], datetime.min.time(), tzinfo=zone)
    booked = ap.agenda(get_store(), calendar_id, since, since + timedelta(days=len(days)),
                       include_cancelled=True)
    plan = [{"day": d, "closed": slots.closed_reason(rules, calendar_id, d),
             "rows": _rows(rules, calendar_id, d, booked)} for d in days]
    step = timedelta(days=7 if view == "semaine" else 1)
    return render_template(
        "agenda/show.html", cal=cal, calendar_id=calendar_id, calendars=visible(rules),
        plan=plan, view=view, day=day, previous=day - step, following=day + step,
        status=STATUS, grouped=grouped, zone=zone, now=_now(),
        can_edit=current_user.role in SECRETARIES, pending=sum(
            v.sync_state == "pending" for v in booked),
        feed_since=calendar_feeds.live_since(get_store(), calendar_id))


def _change(calendar_id: str, action: str, obj: str,
            work: Callable[[ap.Audit], ap.AppointmentView], done: str) -> Response:
    """Run one store change with its audit line; a refusal is flashed in French."""
    def audit(session: Session) -> None:
        add(session, _now(), current_user.username, action, obj, calendar=calendar_id)

    try:
        view = work(audit)
    except RequestError as exc:
        flash(exc.message, "error")
        return redirect(request.referrer or url_for(".show", calendar_id=calendar_id))
    flash(done.format(ref=grouped(view.reference)), "success")
    local = view.start.astimezone(_rules().town.zone).date()
    return redirect(url_for(".show", calendar_id=calendar_id, jour=local.isoformat()))


@bp.route("/<calendar_id>/reserver", methods=["POST"])
@role_required(*SECRETARIES)
def book(calendar_id: str) -> Response:
    """Book a free slot for a citizen (found or created by phone or e-mail)."""
    rules, form = _rules(), BookForm()
    _calendar(rules, calendar_id)
    try:
        start = datetime.fromisoformat(form.start.data or "")
    except ValueError:
        start = None
    if not form.validate_on_submit() or start is None or start.tzinfo is None:
        flash("Choisissez un créneau et un motif.", "error")
        return redirect(url_for(".show", calendar_id=calendar_id))
    citizen = NewCitizen(name=form.name.data or None,
                         phones=(form.phone.data,) if form.phone.data else (),
                         emails=(form.email.data,) if form.email.data else ())
    booking = ap.Booking(calendar_id, start, form.motive.data or "", "counter", citizen)
    return _change(calendar_id, "appointment.book", f"agenda {calendar_id}",
                   lambda audit: ap.book(get_store(), rules, booking, at=_now(),
                                         actor=current_user.username, audit=audit),
                   "Rendez-vous réservé (référence {ref}).")


def _own(rules: Rules, reference: str) -> str:
    """The calendar of ``reference`` if the user may change it (404 otherwise)."""
    try:
        view = ap.get_appointment(get_store(), reference)
    except RequestError:
        abort(404)
    _calendar(rules, view.calendar)
    return view.calendar


@bp.route("/rdv/<reference>/annuler", methods=["POST"])
@role_required(*SECRETARIES)
def cancel(reference: str) -> Response:
    """Cancel an appointment: the slot is free again."""
    rules = _rules()
    calendar_id = _own(rules, reference)
    if not FlaskForm().validate_on_submit():
        abort(400)
    return _change(calendar_id, "appointment.cancel", f"rendez-vous {reference}",
                   lambda audit: ap.cancel(get_store(), rules, reference, at=_now(),
                                           actor=current_user.username, audit=audit),
                   "Rendez-vous {ref} annulé.")


@bp.route("/rdv/<reference>/deplacer", methods=["POST"])
@role_required(*SECRETARIES)
def move(reference: str) -> Response:
    """Move an appointment; when the new slot is taken, the old one is kept."""
    rules, form = _rules(), MoveForm()
    calendar_id = _own(rules, reference)
    if not form.validate_on_submit() or form.start.data is None:
        flash("Indiquez le nouveau créneau.", "error")
        return redirect(url_for(".show", calendar_id=calendar_id))
    start = form.start.data.replace(tzinfo=rules.town.zone)
    return _change(calendar_id, "appointment.move", f"rendez-vous {reference}",
                   lambda audit: ap.move(get_store(), rules, reference, start, at=_now(),
                                         actor=current_user.username, audit=audit),
                   "Rendez-vous {ref} déplacé.")


@bp.route("/rdv/<reference>/statut", methods=["POST"])
@role_required(*SECRETARIES)
def mark(reference: str) -> Response:
    """Mark a past appointment « honoré » or « absent »."""
    rules, form = _rules(), MarkForm()
    calendar_id = _own(rules, reference)
    if not form.validate_on_submit():
        abort(400)
    status = form.status.data or ""
    return _change(calendar_id, "appointment.mark", f"rendez-vous {reference}",
                   lambda audit: ap.mark(get_store(), rules, reference, status, at=_now(),
                                         actor=current_user.username, audit=audit),
                   f"Rendez-vous {{ref}} : {STATUS[status].lower()}.")


def _audit_feed(calendar_id: str, action: str) -> Callable[[Session], None]:
    def audit(session: Session) -> None:
        add(session, _now(), current_user.username, action, f"agenda {calendar_id}")
    return audit


@bp.route("/<calendar_id>/flux", methods=["POST"])
@role_required(*VIEWERS)
def new_feed(calendar_id: str) -> Response:
    """A new secret address of the calendar's iCalendar feed, shown once to copy."""
    cal = _calendar(_rules(), calendar_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    token = calendar_feeds.new_feed(get_store(), calendar_id, _now(),
                                    _audit_feed(calendar_id, "appointment.feed"))
    url = url_for("api_appointments.feed", token=token, _external=True)
    page = make_response(render_template("agenda/feed.html", cal=cal, calendar_id=calendar_id,
                                         url=url))
    page.headers["Cache-Control"] = "no-store"  # the secret is shown once, never cached
    return page


@bp.route("/<calendar_id>/flux/revoquer", methods=["POST"])
@role_required(*VIEWERS)
def revoke_feed(calendar_id: str) -> Response:
    """Revoke the feed's address: calendar apps subscribed to it get nothing more."""
    _calendar(_rules(), calendar_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    calendar_feeds.revoke(get_store(), calendar_id, _now(),
                          _audit_feed(calendar_id, "appointment.feed_revoke"))
    flash("Adresse du flux iCalendar révoquée.", "success")
    return redirect(url_for(".show", calendar_id=calendar_id))


class CalendarForm(FlaskForm):
    """A calendar's settings, written into ``routing_rules.yaml`` (administrateur)."""

    calendar_id = StringField("Identifiant (nouvel agenda)", validators=[
        Optional(), Regexp(r"^[a-z0-9][a-z0-9-]{0,63}$", message="Lettres minuscules, "
                           "chiffres et tirets.")])
    name = StringField("Nom", validators=[DataRequired(), Length(max=100)])
    spoken_name = StringField("Nom dit au téléphone", validators=[DataRequired(),
                                                                  Length(max=100)])
    department = StringField("Service", validators=[DataRequired(), Length(max=64)])
    request_type = StringField("Type de demande", validators=[DataRequired(), Length(max=64)])
    hours = TextAreaField("Disponibilités (un jour par ligne : « mardi: 14:00-17:00 »)",
                          validators=[DataRequired(), Length(max=2000)])
    slot_minutes = IntegerField("Durée d'un créneau (minutes)",
                                validators=[DataRequired(), NumberRange(5, 480)])
    buffer_minutes = IntegerField("Battement après chaque créneau (minutes)", default=0,
                                  validators=[Optional(), NumberRange(0, 240)])
    horizon_days = IntegerField("Réservable jusqu'à (jours)",
                                validators=[DataRequired(), NumberRange(1, 365)])
    notice_hours = IntegerField("Délai minimal (heures)", default=24,
                                validators=[Optional(), NumberRange(0, 720)])
    absences = TextAreaField("Absences (« 2026-12-24 Congés », « 2026-12-20 au 2026-12-31 "
                             "Congrès »)", validators=[Optional(), Length(max=5000)])
    motives = TextAreaField("Motifs (« identifiant: libellé », dans l'ordre des touches)",
                            validators=[DataRequired(), Length(max=2000)])
    owners = StringField("Élus propriétaires (noms d'utilisateur)",
                         validators=[Optional(), Length(max=500)])


def _settings() -> Settings:
    return current_app.config["TOWNHALL_SETTINGS"]


def _shaped(form: CalendarForm) -> dict[str, Any] | None:
    """The form as the rules' YAML, or None with the field errors set."""
    values: dict[str, Any] = {name: form[name].data for name in (
        "name", "spoken_name", "department", "request_type", "slot_minutes", "buffer_minutes",
        "horizon_days", "notice_hours")}
    parsers = {"hours": calendar_rules.parse_hours, "absences": calendar_rules.parse_absences,
               "motives": calendar_rules.parse_motives, "owners": calendar_rules.parse_owners}
    for name, parse in parsers.items():
        try:
            values[name] = parse(form[name].data or "")
        except calendar_rules.FieldError as exc:
            form[name].errors = [exc.message]
    return None if form.errors else values


@bp.route("/<calendar_id>/reglages", methods=["GET", "POST"])
@bp.route("/nouveau", methods=["GET", "POST"], defaults={"calendar_id": None})
@role_required("administrateur")
def settings(calendar_id: str | None) -> Response | str:
    """Edit a calendar (or create one) in the rules file: checked, then published."""
    path = _settings().rules_path
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if calendar_id is not None and calendar_id not in _rules().appointments.calendars:
        abort(404)
    form = CalendarForm(data=calendar_rules.form_values(text, calendar_id or ""))
    issues: list[RuleIssue] = []
    if form.validate_on_submit():
        target = calendar_id or form.calendar_id.data or ""
        values = _shaped(form)
        if not target:
            form.calendar_id.errors = ["Donnez un identifiant au nouvel agenda."]
        elif values is not None:
            try:
                new_text = calendar_rules.with_calendar(text, target, values)
            except ValueError as exc:  # a part written on one line, or a stale page
                flash(str(exc), "error")
            else:
                _, issues = rules_publish.check(new_text, path.name)
                if not issues:
                    return _publish_calendar(new_text, target)
    return render_template("agenda/settings.html", form=form, calendar_id=calendar_id,
                           issues=issues)


def _publish_calendar(text: str, calendar_id: str) -> Response:
    version = rules_publish.publish_audited(text, f"agenda {calendar_id}")
    flash(f"Agenda enregistré dans les règles (version {version.id}).", "success")
    return redirect(url_for(".show", calendar_id=calendar_id))
