"""What the admin's forms on the rules share: edit, check, preview, publish.

Each form (hours, menus, messages, agents, closures) turns its fields into one edit of
``routing_rules.yaml`` (``admin.rules_yaml``: only the entry's lines change), has the
result checked by the IVR's loader — the schema and checks of ``rules check`` — with
each problem shown at the field that caused it (``admin.rule_issues``), then either
previews what a caller would hear at a chosen moment (the call flow's own routing) or
publishes it as a new version of the rules (``admin.rules_publish``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, flash, redirect, request
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, SelectMultipleField
from wtforms.fields import SelectChoice
from wtforms.meta import DefaultMeta
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget

from admin import rule_issues, rules_publish, rules_simulate
from admin.calendar_rules import FieldError
from admin.rules_yaml import StaleEdit
from ivr.rules import MenuOption, Rules

ACTIONS = {
    "operator": "un conseiller de l’accueil", "repeat": "réécouter le message",
    "back": "revenir au menu précédent", "hours": "les horaires (dits par le serveur vocal)",
    "callback": "être rappelé", "appointment": "prendre, annuler ou déplacer un rendez-vous",
    "request_status": "suivre une demande", "document_request": "demander un acte",
    "complaint": "laisser une réclamation", "suggestion": "laisser une suggestion",
    "subscriptions": "s’abonner aux informations par SMS",
    "alert_launch": "lancer une alerte (cellule de crise)",
}
Page = Callable[..., str]


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes: a multiple select is unusable without a mouse."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class FrenchForm(FlaskForm):
    """A form whose WTForms messages are French (« N'est pas une date valide. »)."""

    class Meta:
        locales = ("fr",)

        def get_translations(self, form: Any) -> Any:
            """WTForms' own catalogue (Flask-WTF's needs Flask-Babel, not installed)."""
            return DefaultMeta.get_translations(self, form)


class PreviewForm(FrenchForm):
    """Every form's « écouter comme un appelant le … » moment."""

    at = DateTimeLocalField("Écouter comme un appelant le", format="%Y-%m-%dT%H:%M",
                            validators=[Optional()])


def current_text() -> str:
    """The published rules file as it is on disk (empty when it does not exist yet)."""
    path = current_app.config["TOWNHALL_SETTINGS"].rules_path
    return path.read_text(encoding="utf-8") if path.exists() else ""


def now_here(rules: Rules | None) -> datetime:
    """The instance's clock in the town's time zone, to the minute, for the picker."""
    zone = ZoneInfo(rules.town.timezone if rules else "Europe/Paris")
    now = current_app.config["TOWNHALL_CLOCK"].now().astimezone(zone)
    return now.replace(tzinfo=None, second=0, microsecond=0)


def with_moment(form: PreviewForm, rules: Rules | None) -> PreviewForm:
    """``form`` with the picker set to now when the page is first shown."""
    if form.at.data is None:
        form.at.data = now_here(rules)
    return form


def menu_name(rules: Rules, menu: str) -> str:
    """« Menu principal », or a sub-menu by the sentence that opens it."""
    if menu == rules.main_menu:
        return "Menu principal"
    intro = rules.menus[menu].intro
    return f"Sous-menu « {intro.rstrip('.')} »" if intro else f"Sous-menu {menu}"


def procedure_name(topic: str) -> str:
    return "réponse enregistrée « " + topic.replace("-", " ") + " »"


def destinations(rules: Rules) -> list[SelectChoice]:
    """What a menu key may lead to, grouped, with French names (a select's choices)."""
    groups = {
        "Services": [(f"target:{t}", d.name) for t, d in rules.departments.items()],
        "Menus": [(f"menu:{m}", menu_name(rules, m)) for m in rules.menus],
        "Dialogues du serveur vocal": [(f"action:{a}", text) for a, text in ACTIONS.items()],
        "Réponses enregistrées": [(f"procedure:{p}", procedure_name(p))
                                  for p in rules.self_service.procedures],
    }
    return [SelectChoice(value, text, optgroup=group)
            for group, items in groups.items() for value, text in items]


def destination_of(option: MenuOption) -> str:
    """The select value of an option's destination (``target:etat-civil``)."""
    if option.action == "procedure":
        return f"procedure:{option.topic}"
    kind = "target" if option.target else "menu" if option.menu else "action"
    return f"{kind}:{option.target or option.menu or option.action}"


def destination_label(rules: Rules, option: MenuOption) -> str:
    """Where an option leads, in French."""
    value = destination_of(option)
    names = {choice.value: choice.label for choice in destinations(rules)}
    return names.get(value, value)


def option_entry(label: str, destination: str) -> dict[str, str]:
    """A menu option as the rules write it, from the form's label and destination."""
    kind, _, value = destination.partition(":")
    if kind == "procedure":
        return {"label": label, "action": "procedure", "topic": value}
    return {"label": label, kind: value}


@dataclass(frozen=True)
class Heard:
    """What a caller would hear at ``moment``: the welcome, a menu, the departments."""

    moment: datetime
    welcome: str
    menu: str
    menu_text: str
    states: list[rules_simulate.DepartmentState]
    ringing: dict[str, list[str]]  # department → the names of the agents its queue rings


def heard(rules: Rules, at: datetime | None, departments: Iterable[str] = (),
          menu: str | None = None) -> Heard:
    """The preview of a form, with the IVR's own decisions at ``at`` (town time)."""
    zone = ZoneInfo(rules.town.timezone)
    moment = (at or now_here(rules)).replace(tzinfo=zone)
    chosen = set(departments)
    states = [s for s in rules_simulate.states_at(rules, moment)
              if not chosen or s.target in chosen]
    shown = menu or rules.main_menu
    ringing = {s.target: [rules.agents[a].name for a in rules.queue_members(s.target)
                          if a in rules.agents] for s in states}
    return Heard(moment, rules.messages.welcome, menu_name(rules, shown),
                 rules.menus[shown].spoken_text(), states, ringing)


def submit(form: PreviewForm, edit: Callable[[str], str], fields: Mapping[str, str],
           comment: str, page: Page, preview: Callable[[Rules], Heard], back: str) -> Any:
    """Check ``form``, make its edit, then preview it or (``action=publish``) publish it
    and go ``back`` to the list; nothing is written unless every check passes."""
    if not form.validate_on_submit():
        return page(), 400
    try:
        new_text = edit(current_text())
    except FieldError as exc:
        form[exc.field].errors = [*form[exc.field].errors, exc.message]
        return page(), 400
    except StaleEdit as exc:
        flash(str(exc), "error")
        return redirect(back)
    except ValueError as exc:
        return page(problems=[str(exc)]), 400
    rules, issues = rules_publish.check(new_text, "routing_rules.yaml")
    if rules is None:
        placed = rule_issues.place(issues, fields)
        for name, messages in placed.at_fields.items():
            form[name].errors = [*form[name].errors, *messages]
        return page(problems=placed.rest), 400
    if request.form.get("action") != "publish":
        return page(heard=preview(rules))
    version = rules_publish.publish_audited(new_text, comment)
    flash(f"{comment} : publié (version {version.id} des règles).", "success")
    return redirect(back)
