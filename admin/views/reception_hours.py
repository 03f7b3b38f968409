"""« Horaires »: the named weekly schedules (a day's time ranges) and the schedule each
department follows, as forms on ``routing_rules.yaml`` (``admin.rules_forms``)."""

from __future__ import annotations

from typing import Any

from flask import render_template, url_for
from wtforms import SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Optional, Regexp

from admin.auth import role_required
from admin.calendar_rules import FieldError
from admin.published import published_rules
from admin.rules_forms import PreviewForm, heard, submit, with_moment
from admin.rules_yaml import node_at, plain, set_value
from admin.views.reception import RANGES, bp
from ivr.rules import Rules
from ivr.rules.times import DAY_NAMES


class DayForm(PreviewForm):
    owner = SelectField("Horaire")
    day = SelectField("Jour", choices=[SelectChoice(day, day.capitalize())
                                           for day in DAY_NAMES])
    hours = StringField("Plages de ce jour (« 08:30-12:00, 13:30-17:00 » ; vide : fermé)",
                        validators=[Optional(), Regexp(RANGES, message=(
                            "Écrivez des plages « 08:30-12:00 » séparées par des virgules."))])


class NewScheduleForm(PreviewForm):
    name = StringField("Nom du nouvel horaire (minuscules, chiffres, tirets)", validators=[
        DataRequired(message="Indiquez le nom de l’horaire."),
        Regexp(r"^[a-z0-9][a-z0-9_-]{0,40}$", message=(
            "Minuscules, chiffres et tirets seulement (41 au plus)."))])
    model = SelectField("Copie de l’horaire")


class DepartmentForm(PreviewForm):
    department = SelectField("Service")
    schedule = SelectField("Suit l’horaire")


def _owners(rules: Rules | None) -> list[SelectChoice]:
    """The weekly hours a day form may change: named schedules, departments' own hours."""
    if rules is None:
        return []
    named = [SelectChoice(f"schedules:{name}", f"Horaire « {name} »")
             for name in rules.schedules]
    own = [SelectChoice(f"departments:{key}", f"Horaires propres : {dept.name}")
           for key, dept in rules.departments.items()
           if dept.hours is not None and not isinstance(dept.hours, str)]
    return named + own


def _forms() -> tuple[DayForm, DepartmentForm, NewScheduleForm, Rules | None]:
    rules = published_rules()
    day = with_moment(DayForm(prefix="jour"), rules)
    new = with_moment(NewScheduleForm(prefix="nouvel"), rules)
    dept = with_moment(DepartmentForm(prefix="service"), rules)
    day.owner.choices = _owners(rules)
    dept.department.choices = [SelectChoice(k, d.name) for k, d in rules.departments.items()
                               if not d.answered_by_ivr] if rules else []
    dept.schedule.choices = new.model.choices = [
        SelectChoice(name, f"« {name} »") for name in rules.schedules] if rules else []
    return day, dept, new, rules


def _followers(rules: Rules) -> dict[str, list[str]]:
    """The departments following each named schedule, by name."""
    names: dict[str, list[str]] = {name: [] for name in rules.schedules}
    for dept in rules.departments.values():
        if isinstance(dept.hours, str):
            names.setdefault(dept.hours, []).append(dept.name)
    return names


def _page(day: DayForm, dept: DepartmentForm, new: NewScheduleForm, rules: Rules | None,
          **extra: Any) -> str:
    return render_template("reception/hours.html", day=day, dept=dept, new=new, rules=rules,
                           followers=_followers(rules) if rules else {}, days=DAY_NAMES,
                           **extra)


@bp.route("/horaires/")
@role_required("administrateur")
def hours() -> str:
    return _page(*_forms())


def _day_path(owner: str, day: str) -> tuple[str, ...]:
    section, _, name = owner.partition(":")
    return (section, name, day) if section == "schedules" else (section, name, "hours", day)


@bp.route("/horaires/jour", methods=["POST"])
@role_required("administrateur")
def set_day() -> Any:
    """Preview or publish the time ranges of one day of a weekly schedule."""
    day, dept, new, rules = _forms()
    path = _day_path(day.owner.data or "", day.day.data or "")
    ranges = [part.strip() for part in (day.hours.data or "").split(",") if part.strip()]

    def edit(text: str) -> str:
        present = node_at(text, path[:-1]) or {}
        later = [d for d in DAY_NAMES[DAY_NAMES.index(path[-1]) + 1:] if d in present]
        return set_value(text, path, ranges, before=later[0] if later else None)

    def preview(new: Rules) -> Any:
        section, _, name = (day.owner.data or "").partition(":")
        following = [key for key, d in new.departments.items()
                     if (d.hours == name if section == "schedules" else key == name)]
        return heard(new, day.at.data, following)

    owners = {choice.value: choice.label for choice in _owners(rules)}
    what = f"{owners.get(day.owner.data or '', 'Horaire')}, {day.day.data}"
    return submit(day, edit, {".".join(path): "hours"}, what,
                  lambda **kw: _page(day, dept, new, rules, **kw), preview, url_for(".hours"))


@bp.route("/horaires/service", methods=["POST"])
@role_required("administrateur")
def set_schedule() -> Any:
    """Preview or publish the named schedule a department follows."""
    day, dept, new, rules = _forms()
    target = dept.department.data or ""
    path = ("departments", target, "hours")
    name = rules.departments[target].name if rules and target in rules.departments else target
    return submit(dept, lambda text: set_value(text, path, dept.schedule.data),
                  {".".join(path): "schedule"}, f"{name} suit l’horaire « {dept.schedule.data} »",
                  lambda **kw: _page(day, dept, new, rules, **kw),
                  lambda new: heard(new, dept.at.data, [target]), url_for(".hours"))



@bp.route("/horaires/nouveau", methods=["POST"])
@role_required("administrateur")
def add_schedule() -> Any:
    """Preview or publish a new named schedule, a copy of another to change day by day."""
    day, dept, new, rules = _forms()
    name = new.name.data or ""

    def edit(text: str) -> str:
        if node_at(text, ("schedules", name)) is not None:
            raise FieldError("name", "Cet horaire existe déjà : choisissez un autre nom.")
        week = plain(node_at(text, ("schedules", new.model.data or "")) or {})
        return set_value(text, ("schedules", name), week)

    return submit(new, edit, {f"schedules.{name}": "name"}, f"Nouvel horaire « {name} »",
                  lambda **kw: _page(day, dept, new, rules, **kw),
                  lambda rules_: heard(rules_, new.at.data), url_for(".hours"))
