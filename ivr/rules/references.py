"""Cross-references between sections of the rules (targets, menus, agents, schedules).

Pydantic checks each node alone; whether ``overflow: acceuil`` names a department
needs the whole document. Each problem carries the key path of the offending node
so the loader can point at its line and column.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ivr.rules.schema import Rules

Loc = tuple[str | int, ...]
Problem = tuple[Loc, str]
CLOSED_BEHAVIOURS = ("voicemail", "message")


class ReferenceProblems(ValueError):
    """Raised from the ``Rules`` validator; the loader unpacks ``problems``."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{'.'.join(map(str, loc))}: {msg}" for loc, msg in problems))
        self.problems = problems


def check_references(rules: Rules) -> list[Problem]:
    """Every dangling or contradictory reference in ``rules``, in document order."""
    return [*_departments(rules), *_agents(rules), *_menus(rules), *_others(rules),
            *_workflows(rules), *_request_types(rules), *_calendars(rules), *_alerts(rules),
            *_numbers(rules)]


def _numbers(rules: Rules) -> Iterator[Problem]:
    for number, entry in rules.numbers.items():
        if entry.menu not in rules.menus:
            yield ("numbers", number, "menu"), f"menu inconnu {entry.menu!r}"


def _target(rules: Rules, loc: Loc, value: str, also: tuple[str, ...] = ()) -> Iterator[Problem]:
    if value not in rules.departments and value not in also:
        choices = " ou ".join(f"`{a}`" for a in also)
        hint = f" (un identifiant de service{' ou ' + choices if choices else ''})"
        yield loc, f"cible inconnue {value!r}{hint}"


def _departments(rules: Rules) -> Iterator[Problem]:
    for key, dept in rules.departments.items():
        loc: Loc = ("departments", key)
        if key in CLOSED_BEHAVIOURS:
            yield loc, f"{key!r} est réservé, choisissez un autre identifiant de service"
        if isinstance(dept.hours, str) and dept.hours not in rules.schedules:
            yield (*loc, "hours"), f"horaires nommés inconnus {dept.hours!r} (voir schedules)"
        if dept.hours is None and not dept.answered_by_ivr:
            yield loc, "un service a besoin de `hours` (ou de `answered_by_ivr: true`)"
        yield from _target(rules, (*loc, "overflow"), dept.overflow, ("voicemail",))
        yield from _target(rules, (*loc, "when_closed"), dept.when_closed, CLOSED_BEHAVIOURS)
        for i, member in enumerate(dept.members):
            if member not in rules.agents:
                yield (*loc, "members", i), f"agent inconnu {member!r}"


def _agents(rules: Rules) -> Iterator[Problem]:
    for key, agent in rules.agents.items():
        for i, target in enumerate(agent.departments):
            yield from _target(rules, ("agents", key, "departments", i), target)


def _menus(rules: Rules) -> Iterator[Problem]:
    children = {o.menu for m in rules.menus.values() for o in m.options.values() if o.menu}
    for key, menu in rules.menus.items():
        for digit, option in menu.options.items():
            loc: Loc = ("menus", key, "options", digit)
            if option.target is not None:
                yield from _target(rules, (*loc, "target"), option.target)
            if option.menu is not None and option.menu not in rules.menus:
                yield (*loc, "menu"), f"menu inconnu {option.menu!r}"
            if option.topic is not None and option.topic not in rules.self_service.procedures:
                yield (*loc, "topic"), f"démarche inconnue {option.topic!r}"
            if option.action == "back" and key not in children:
                yield (*loc, "action"), f"`back` a besoin d'un menu parent, aucun ne mène à {key!r}"
    if rules.main_menu not in rules.menus:
        yield ("main_menu",), f"menu inconnu {rules.main_menu!r}"


def _others(rules: Rules) -> Iterator[Problem]:
    fallback = rules.input.fallback_target
    yield from _target(rules, ("input", "fallback_target"), fallback)
    for key, procedure in rules.self_service.procedures.items():
        yield from _target(rules, ("self_service", "procedures", key, "department"),
                           procedure.department)
    if rules.departments.get(fallback) and rules.departments[fallback].answered_by_ivr:
        yield ("input", "fallback_target"), "le repli doit être un service où répondent des gens"
    for section in ("closures", "special_days"):
        for i, entry in enumerate(getattr(rules.calendar, section)):
            for j, target in enumerate(entry.departments or ()):
                yield from _target(rules, ("calendar", section, i, "departments", j), target)


def _workflows(rules: Rules) -> Iterator[Problem]:
    for key, workflow in rules.request_workflows.items():
        loc: Loc = ("request_workflows", key)
        if workflow.initial not in workflow.statuses:
            yield (*loc, "initial"), f"statut inconnu {workflow.initial!r}"
        if not any(status.final for status in workflow.statuses.values()):
            yield (*loc, "statuses"), "un circuit a besoin d'au moins un statut `final: true`"
        for name, status in workflow.statuses.items():
            status_loc: Loc = (*loc, "statuses", name)
            if status.final and status.next:
                yield (*status_loc, "next"), "un statut final ne mène nulle part : retirez `next`"
            if not status.final and not status.next:
                yield status_loc, "un statut non final a besoin de `next` (ou de `final: true`)"
            if status.final and status.stops_clock:
                yield (*status_loc, "stops_clock"), "un statut final ne peut pas suspendre le délai"
            for i, following in enumerate(status.next):
                if following not in workflow.statuses:
                    yield (*status_loc, "next", i), f"statut inconnu {following!r}"


def _request_types(rules: Rules) -> Iterator[Problem]:
    for key, kind in rules.request_types.items():
        loc: Loc = ("request_types", key)
        yield from _target(rules, (*loc, "department"), kind.department)
        if kind.workflow not in rules.request_workflows:
            yield (*loc, "workflow"), f"circuit inconnu {kind.workflow!r}"


def _calendars(rules: Rules) -> Iterator[Problem]:
    for key, calendar in rules.appointments.calendars.items():
        loc: Loc = ("appointments", "calendars", key)
        yield from _target(rules, (*loc, "department"), calendar.department)
        if isinstance(calendar.hours, str) and calendar.hours not in rules.schedules:
            yield (*loc, "hours"), f"horaires nommés inconnus {calendar.hours!r} (voir schedules)"
        kind = rules.request_types.get(calendar.request_type)
        if kind is None:
            yield (*loc, "request_type"), f"type de demande inconnu {calendar.request_type!r}"
        elif "reserve" not in rules.request_workflows[kind.workflow].statuses:
            yield (*loc, "request_type"), ("le type de demande d'un agenda a besoin d'un circuit "
                                           "aux statuts reserve, honore, annule, absent")
        for i, absence in enumerate(calendar.absences):
            if absence.departments is not None:
                yield (*loc, "absences", i, "departments"), ("une absence ne concerne que son "
                                                             "agenda : retirez `departments`")


def _alerts(rules: Rules) -> Iterator[Problem]:
    """Checked only when the file has an ``alerts`` section (the defaults name the
    shipped CCAS department and request type, which a minimal file may lack)."""
    if "alerts" not in rules.model_fields_set:
        return
    alerts = rules.alerts
    yield from _target(rules, ("alerts", "help_department"), alerts.help_department)
    kind = rules.request_types.get(alerts.help_request_type)
    if kind is None:
        yield ("alerts", "help_request_type"), (
            f"type de demande inconnu {alerts.help_request_type!r}")
    elif kind.department != alerts.help_department:
        yield ("alerts", "help_request_type"), (
            f"son service est {kind.department!r}, et non le help_department "
            f"{alerts.help_department!r}")
    numbers = [member.number for member in alerts.crisis_cell]
    for i, number in enumerate(numbers):
        if number in numbers[:i]:
            yield ("alerts", "crisis_cell", i, "number"), f"{number} figure deux fois"
