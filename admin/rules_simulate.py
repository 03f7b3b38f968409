"""The rules simulator: what would the IVR do with this sentence, at this moment?

It runs the IVR's own matcher and opening-hours code on a rules text that may not be
published yet, so administrators see the effect of an edit before callers do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ivr.hours import describe_next_opening, status

from ivr.intent import IntentMatcher, IntentResult
from ivr.rules.schema import Rules


@dataclass(frozen=True)
class DepartmentState:
    """Open or closed at the tested moment, with the sentence a caller would hear."""

    target: str
    name: str
    open: bool
    sentence: str


def match_phrase(rules: Rules, phrase: str) -> IntentResult:
    """Route a caller's sentence as the speech step would."""
    return IntentMatcher.from_rules(rules).match(phrase)


def states_at(rules: Rules, at: datetime) -> list[DepartmentState]:
    """Every department's state at ``at`` (an aware datetime)."""
    return [_state(rules, target, at) for target in rules.departments]


def _state(rules: Rules, target: str, at: datetime) -> DepartmentState:
    """One department: the IVR's status and the message the flow would play."""
    department = rules.departments[target]
    result = status(rules, target, at)
    if result.open:
        sentence = rules.messages.transfer.format(spoken_name=department.spoken_name)
    else:
        when = describe_next_opening(result.next_opening, at)
        sentence = rules.messages.closed.format(
            spoken_name=department.spoken_name, next_opening=when
        )
    return DepartmentState(target, department.name, result.open, sentence)
