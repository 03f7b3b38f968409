"""The rules' ``alerts`` section: crisis-cell numbers and the help department checked
at load time, with the line of the mistake."""

from __future__ import annotations

from ivr.rules.loader import load_rules_text
from tests.fixtures.requests import ROOT
from tests.fixtures.rules import issues_of, position, replaced

SHIPPED = (ROOT / "routing_rules.yaml").read_text()
CELL = 'crisis_cell: [{name: "Maire", number: "06 12 34 56 78"}]'


def test_the_crisis_cell_is_stored_in_e164() -> None:
    text = replaced(SHIPPED, "crisis_cell: []", CELL)
    [member] = load_rules_text(text, "rules.yaml").alerts.crisis_cell
    assert (member.name, member.number) == ("Maire", "+33612345678")


def test_a_bad_crisis_cell_number_is_refused_at_its_line() -> None:
    text = replaced(SHIPPED, "crisis_cell: []", CELL.replace("06 12 34 56 78", "08 99"))
    [issue] = issues_of(text)
    assert "numéro de téléphone trop court" in issue.message
    assert issue.line == position(text, "crisis_cell: [{")[0]


def test_the_help_department_and_request_type_must_exist_and_agree() -> None:
    text = replaced(SHIPPED, "help_department: social", "help_department: ccas")
    messages = " ".join(issue.message for issue in issues_of(text))
    assert "ccas" in messages and "et non le help_department" in messages
    text = replaced(SHIPPED, "help_request_type: aide-alerte", "help_request_type: aide")
    assert "type de demande inconnu 'aide'" in issues_of(text)[0].message
    twice = replaced(SHIPPED, "crisis_cell: []", f"{CELL[:-1]}, {CELL[14:-1]}]")
    assert "figure deux fois" in issues_of(twice)[0].message
