"""Rules that would break at call time or crash the loader are refused with file:line:col."""

from __future__ import annotations

import json

import pytest

from ivr.rules import load_rules_text
from tests.fixtures.rules import MINIMAL, issues_of, position, replaced


@pytest.mark.parametrize("template, why", [
    ("Je vous passe {spoken_name!r}.", "s'écrit sans format"),
    ("Je vous passe {spoken_name:>40}.", "s'écrit sans format"),
    ("Je vous passe {spoken_name.upper}.", "variable inconnue"),
    ("Je vous passe {spoken_name[0]}.", "variable inconnue"),
    ("Je vous passe {0}.", "variable inconnue"),
    ("Je vous passe {}.", "variable inconnue"),
])  # fmt: skip
def test_every_template_must_render_with_bare_placeholders(template: str, why: str) -> None:
    text = replaced(MINIMAL, "Je vous mets en relation avec {spoken_name}.", template)
    [issue] = issues_of(text)
    assert why in issue.message
    assert issue.line == position(text, template)[0]


def test_published_templates_render_with_sample_values() -> None:
    rules = load_rules_text(MINIMAL)
    assert rules.messages.closed.format(spoken_name="x", next_opening="y")


@pytest.mark.parametrize("contact", [
    "sip:agent@pbx.example.org",  # DNS: Asterisk must never need it
    "sip:agent@10.0.0.1:5060\n[evil]",  # would add a section to pjsip.conf
    "tel:+33612345678",
])  # fmt: skip
def test_an_agent_contact_provisioning_cannot_render_is_refused(contact: str) -> None:
    text = MINIMAL + f"agents:\n  marie:\n    name: Marie\n    contact: {json.dumps(contact)}\n"
    [issue] = issues_of(text)
    assert issue.line == position(text, "contact:")[0]
    assert "doit s'écrire sip:" in issue.message


def test_deep_block_nesting_is_refused_before_the_composer_recurses() -> None:
    deep = "extra:\n" + "".join("  " * i + "- k:\n" for i in range(1, 3000))
    [issue] = issues_of(MINIMAL + deep)
    assert "imbrication trop profonde" in issue.message and issue.line is not None


@pytest.mark.parametrize("day", ["2026-13-01", "2027-02-29", "2026-04-31"])
def test_impossible_dates_are_refused_with_their_position(day: str) -> None:
    text = MINIMAL + f"closures:\n  - {{date: {day}, reason: x}}\n"
    [issue] = issues_of(text)
    assert (issue.line, issue.col) == position(text, day)
    assert "date invalide" in issue.message
