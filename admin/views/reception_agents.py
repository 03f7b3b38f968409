"""« Agents »: add an agent's phone, or move an agent to other departments (the queues
their phone rings for), as forms on ``routing_rules.yaml``."""

from __future__ import annotations

from typing import Any

from flask import render_template, request, url_for
from wtforms import SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, Regexp, ValidationError

from admin.auth import role_required
from admin.calendar_rules import FieldError
from admin.published import published_rules
from admin.rules_forms import CheckboxesField, PreviewForm, heard, submit, with_moment
from admin.rules_yaml import node_at, plain, set_value
from admin.views.reception import bp
from ivr.rules import Rules

_SERVICES = "Services (leurs files d’attente font sonner ce poste)"


def _one(form: PreviewForm, field: CheckboxesField) -> None:
    """At least one box checked (not ``InputRequired``: its ``required`` attribute on
    every box would make the browser demand them all)."""
    if not field.data:
        raise ValidationError("Choisissez au moins un service.")


class AddAgentForm(PreviewForm):
    agent = StringField("Identifiant du poste (« agent-accueil-2 » : minuscules, chiffres, "
                        "tirets)", validators=[
                            DataRequired(message="Indiquez l’identifiant du poste."),
                            Regexp(r"^[a-z0-9][a-z0-9_-]{0,40}$", message=(
                                "Minuscules, chiffres et tirets seulement (41 au plus)."))])
    name = StringField("Nom affiché", validators=[
        DataRequired(message="Indiquez le nom de l’agent."),
        Length(max=80, message="80 caractères au plus.")])
    departments = CheckboxesField(_SERVICES, validators=[_one], render_kw={"class": "checks"})


class MoveAgentForm(PreviewForm):
    agent = SelectField("Agent")
    departments = CheckboxesField(_SERVICES, validators=[_one], render_kw={"class": "checks"})


def _forms() -> tuple[AddAgentForm, MoveAgentForm, Rules | None]:
    rules = published_rules()
    add, move = with_moment(AddAgentForm(prefix="nouvel"), rules), \
        with_moment(MoveAgentForm(prefix="agent"), rules)
    services = [SelectChoice(k, d.name) for k, d in rules.departments.items()
                if not d.answered_by_ivr] if rules else []
    add.departments.choices = move.departments.choices = services
    move.agent.choices = [SelectChoice(k, a.name) for k, a in rules.agents.items()] if rules else []
    chosen = request.args.get("agent")
    if request.method == "GET" and rules and chosen in rules.agents:  # a row's « Changer »
        move.agent.data = chosen
        move.departments.data = [d for d in rules.departments if chosen in rules.queue_members(d)]
    return add, move, rules


def _page(add: AddAgentForm, move: MoveAgentForm, rules: Rules | None, **extra: Any) -> str:
    queues = {agent: [d for d in rules.departments if agent in rules.queue_members(d)]
              for agent in rules.agents} if rules else {}
    return render_template("reception/agents.html", add=add, move=move, rules=rules,
                           queues=queues, **extra)


@bp.route("/agents/")
@role_required("administrateur")
def agents() -> str:
    return _page(*_forms())


@bp.route("/agents/ajouter", methods=["POST"])
@role_required("administrateur")
def add_agent() -> Any:
    """Preview or publish a new agent's phone in the chosen departments."""
    add, move, rules = _forms()
    agent = add.agent.data or ""

    def edit(text: str) -> str:
        if node_at(text, ("agents", agent)) is not None:
            raise FieldError("agent", "Ce poste existe déjà : choisissez un autre identifiant.")
        entry = {"name": (add.name.data or "").strip(),
                 "departments": list(add.departments.data or []), "contact": None}
        return set_value(text, ("agents", agent), entry)

    return submit(add, edit, {f"agents.{agent}": "agent", f"agents.{agent}.name": "name",
                              f"agents.{agent}.departments": "departments"},
                  f"Nouvel agent : {add.name.data}", lambda **kw: _page(add, move, rules, **kw),
                  lambda new: heard(new, add.at.data, add.departments.data or []),
                  url_for(".agents"))


def moved(text: str, agent: str, departments: list[str]) -> str:
    """``text`` with ``agent`` answering ``departments`` only: its own list, and out of
    the ``members`` of every other department."""
    entry = plain(node_at(text, ("agents", agent)) or {})
    text = set_value(text, ("agents", agent), {**entry, "departments": departments})
    for key, dept in (node_at(text, ("departments",)) or {}).items():
        members = [str(m) for m in dept.get("members") or ()]
        if agent in members and key not in departments:
            text = set_value(text, ("departments", key, "members"),
                             [m for m in members if m != agent])
    return text


@bp.route("/agents/deplacer", methods=["POST"])
@role_required("administrateur")
def move_agent() -> Any:
    """Preview or publish the departments an agent answers."""
    add, move, rules = _forms()
    agent, chosen = move.agent.data or "", list(move.departments.data or [])
    name = rules.agents[agent].name if rules and agent in rules.agents else agent
    touched = chosen + (list(rules.agents[agent].departments) if rules and agent in rules.agents
                        else [])
    return submit(move, lambda text: moved(text, agent, chosen),
                  {f"agents.{agent}": "agent", f"agents.{agent}.departments": "departments"},
                  f"Agent {name} déplacé", lambda **kw: _page(add, move, rules, **kw),
                  lambda new: heard(new, move.at.data, touched), url_for(".agents"))
