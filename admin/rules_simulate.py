"""The rules simulator: what would the IVR do with this sentence, at this moment?

It runs the IVR's own matcher and call-routing code on a rules text that may not be
published yet, so administrators see the effect of an edit before callers do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ivr.domain.intent import IntentMatcher, IntentResult
from ivr.flow.routing import destination
from ivr.rules import Rules


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
    """Every department's state at ``at`` (an aware datetime), as the call flow decides it."""
    states = []
    for target, department in rules.departments.items():
        where = destination(rules, target, at)
        states.append(DepartmentState(target, department.name, not where.closed, where.text))
    return states
