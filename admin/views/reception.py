"""« Fermetures et horaires exceptionnels »: the change administrators make most often,
as a form instead of the YAML editor.

A closure or a special day is written into ``routing_rules.yaml`` as a round trip
(``admin.rules_yaml``: comments and layout kept), checked with the IVR's own loader,
previewed as the sentence a caller would hear at a chosen moment (the call flow's own
routing, ``admin.rules_simulate``), then published like any rules change.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectMultipleField,
    StringField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

from admin import rules_publish, rules_simulate, rules_yaml
from admin.auth import role_required
from admin.published import published_rules
from admin.rules_forms import FrenchForm, current_text
from ivr.rules import Rules

bp = Blueprint("reception", __name__, url_prefix="/accueil")

# « 08:30-12:00, 14:00-16:30 »: the hours of a special day, as the rules write them.
RANGES = r"^\s*\d\d:\d\d-\d\d:\d\d(\s*,\s*\d\d:\d\d-\d\d:\d\d)*\s*$"


class _Entry(FrenchForm):
    """What a closure and a special day share: the reason, the departments, the preview."""

    reason = StringField("Motif (dit aux appelants)", validators=[DataRequired(),
                                                                  Length(max=200)])
    departments = SelectMultipleField("Services concernés (aucun : toute la mairie)",
                                      validators=[Optional()])
    preview_time = TimeField("Écouter comme un appelant à", default=time(9, 0),
                             validators=[Optional()])


class ClosureForm(_Entry):
    first = DateField("Fermé le (ou du)", validators=[InputRequired(
        message="Indiquez la date de fermeture.")])
    last = DateField("Jusqu’au (inclus, facultatif)", validators=[Optional()])


class SpecialDayForm(_Entry):
    day = DateField("Le", validators=[InputRequired(message="Indiquez la date.")])
    hours = StringField("Horaires de ce jour-là (« 08:30-12:00, 14:00-16:00 »)",
                        validators=[DataRequired(), Regexp(
                            RANGES, message="Écrivez des plages « 08:30-12:00 » séparées "
                                             "par des virgules.")])


class RemoveForm(FrenchForm):
    section = HiddenField(validators=[Regexp(r"^(closures|special_days)$")])
    index = IntegerField(validators=[InputRequired()])
    fingerprint = HiddenField(validators=[Regexp(r"^[0-9a-f]{16}$")])


def _with_departments(form: _Entry, rules: Rules | None) -> None:
    departments = rules.departments.items() if rules else ()
    form.departments.choices = [(key, dept.name) for key, dept in departments]


def _closure(form: ClosureForm) -> dict[str, Any] | None:
    """The closure as the rules write it; None (with the error at the field) if the
    range is backwards."""
    first, last = form.first.data, form.last.data
    if last is not None and last < first:
        form.last.errors = ["La fin de la fermeture est avant son début."]
        return None
    span: dict[str, Any] = ({"date": first} if last in (None, first)
                            else {"from": first, "to": last})
    return {**span, "reason": form.reason.data.strip(),
            "departments": list(form.departments.data or []) or None}


def _special_day(form: SpecialDayForm) -> dict[str, Any]:
    hours = [part.strip() for part in form.hours.data.split(",")]
    return {"date": form.day.data, "hours": hours, "reason": form.reason.data.strip(),
            "departments": list(form.departments.data or []) or None}


def _preview(rules: Rules, day: date, at: time | None,
             departments: list[str]) -> tuple[datetime, list[rules_simulate.DepartmentState]]:
    """What callers of the chosen departments would hear on ``day`` at ``at``."""
    moment = datetime.combine(day, at or time(9, 0), ZoneInfo(rules.town.timezone))
    states = rules_simulate.states_at(rules, moment)
    return moment, [s for s in states if not departments or s.target in departments]


def _page(closure: ClosureForm, special: SpecialDayForm, **extra: Any) -> str:
    text = current_text()
    listed = {section: [(entry, rules_yaml.fingerprint(entry))
                        for entry in rules_yaml.entries(text, section)]
              for section in ("closures", "special_days")}
    return render_template("reception/index.html", closure=closure, special=special,
                           listed=listed, remove=RemoveForm(), **extra)


def _forms() -> tuple[ClosureForm, SpecialDayForm, Rules | None]:
    rules = published_rules()
    closure, special = ClosureForm(prefix="fermeture"), SpecialDayForm(prefix="journee")
    _with_departments(closure, rules)
    _with_departments(special, rules)
    return closure, special, rules


@bp.route("/")
@role_required("administrateur")
def index() -> str:
    closure, special, _ = _forms()
    return _page(closure, special)


@bp.route("/ajouter/<kind>", methods=["POST"])
@role_required("administrateur")
def add(kind: str) -> Response | str | tuple[str, int]:
    """Preview (``action=preview``) or publish a new closure or special day."""
    closure, special, _ = _forms()
    form: _Entry = closure if kind == "fermeture" else special
    if kind not in ("fermeture", "journee") or not form.validate_on_submit():
        return _page(closure, special, active=kind), 400
    entry = (_closure(closure) if form is closure else _special_day(special))
    if entry is None:
        return _page(closure, special, active=kind), 400
    section: rules_yaml.Section = "closures" if form is closure else "special_days"
    new_text = rules_yaml.with_entry(current_text(), section, entry)
    new_rules, issues = rules_publish.check(new_text, "routing_rules.yaml")
    if new_rules is None:
        return _page(closure, special, active=kind, issues=issues), 400
    if request.form.get("action") != "publish":
        day = entry.get("date") or entry["from"]
        moment, states = _preview(new_rules, day, form.preview_time.data,
                                  list(form.departments.data or []))
        return _page(closure, special, active=kind, moment=moment, states=states)
    version = rules_publish.publish_audited(new_text, f"{_what(section)} : {entry['reason']}")
    flash(f"{_what(section).capitalize()} publiée (version {version.id} des règles).", "success")
    return redirect(url_for(".index"))


@bp.route("/retirer", methods=["POST"])
@role_required("administrateur")
def remove() -> Response | tuple[str, int]:
    form = RemoveForm()
    if not form.validate_on_submit():
        closure, special, _ = _forms()
        flash("Demande de retrait invalide : rechargez la page.", "error")
        return _page(closure, special), 400
    section: rules_yaml.Section = "closures" if form.section.data == "closures" else "special_days"
    try:
        new_text = rules_yaml.without_entry(current_text(), section, form.index.data or 0,
                                            form.fingerprint.data or "")
    except rules_yaml.StaleEdit as exc:
        flash(str(exc), "error")
        return redirect(url_for(".index"))
    _, issues = rules_publish.check(new_text, "routing_rules.yaml")
    if issues:
        closure, special, _ = _forms()
        return _page(closure, special, issues=issues), 400
    version = rules_publish.publish_audited(new_text, f"{_what(section)} retirée")
    flash(f"{_what(section).capitalize()} retirée (version {version.id} des règles).", "success")
    return redirect(url_for(".index"))


def _what(section: str) -> str:
    return "fermeture" if section == "closures" else "journée aux horaires particuliers"


# The other everyday forms of the reception, on this blueprint (their routes join ``bp``).
from admin.views import (  # noqa: E402
    reception_agents,
    reception_hours,
    reception_menus,
    reception_messages,
)

__all__ = ["bp", "reception_agents", "reception_hours", "reception_menus", "reception_messages"]
