"""Where a chosen target leads at a given instant: queue, closed-hours path, or an answer.

Pure: the instant and the rules are passed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from ivr.domain import hours
from ivr.rules import Rules

DestinationKind = Literal["queue", "voicemail", "message", "info"]
"""Where the IVR part of a call ends (the contact's outcome: ``ivr.domain.outcomes``)."""


@dataclass(frozen=True)
class Destination:
    """The end of the IVR part of a call and what the caller hears before it."""

    kind: DestinationKind
    target: str
    text: str
    closed: bool = False


def destination(rules: Rules, target: str, at: datetime, hops: int = 0) -> Destination:
    """Resolve ``target`` at ``at``: open → queue, closed → its closed-hours behaviour."""
    dept = rules.departments[target]
    if dept.answered_by_ivr:
        return hours_of(rules, rules.input.fallback_target, at, target)
    state = hours.status(rules, target, at)
    if state.open:
        return Destination("queue", target, _say(rules.messages.transfer, rules, target, at))
    text = _say(rules.messages.closed, rules, target, at, state.next_opening)
    behaviour = dept.when_closed
    if behaviour in ("voicemail", "message"):
        return Destination(behaviour, target, text, closed=True)  # type: ignore[arg-type]
    if hops == 0 and behaviour in rules.departments:
        other = destination(rules, behaviour, at, hops=1)
        if not other.closed:
            return other
    return Destination("voicemail", target, text, closed=True)


def hours_of(rules: Rules, department: str, at: datetime, target: str = "horaires"
             ) -> Destination:
    """The IVR's own answer about ``department``'s hours (« à quelle heure ouvre
    l'urbanisme demain ? »): its week, and when closed now, when it opens next."""
    text = hours.describe_hours(rules, department)
    state = hours.status(rules, department, at)
    if not state.open and state.next_opening is not None:
        text += (f" {rules.departments[department].spoken_name.capitalize()} ouvrira "
                 f"{hours.describe_next_opening(state.next_opening, at)}.")
    return Destination("info", target, text)


def _say(template: str, rules: Rules, target: str, at: datetime,
         next_opening: datetime | None = None) -> str:
    """Fill a message template with the department's spoken name and next opening."""
    when = hours.describe_next_opening(next_opening, at) if next_opening else ""
    return template.format(spoken_name=rules.departments[target].spoken_name, next_opening=when)
