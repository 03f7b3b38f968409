"""The rules' ``crisis_line``: the numbers that open the alert launch, checked at load
time with the line of a mistake; a menu option may open it too."""

from __future__ import annotations

from ivr.flow.dialogues import DIALOGUES
from ivr.rules.loader import load_rules_text
from ivr.rules.schema import MenuOption
from tests.fixtures.requests import ROOT
from tests.fixtures.rules import issues_of, position, replaced

SHIPPED = (ROOT / "routing_rules.yaml").read_text()


def test_numbers_and_extensions_are_read() -> None:
    text = replaced(SHIPPED, "  numbers: []", '  numbers: ["0561990000", "crise"]')
    assert load_rules_text(text, "rules.yaml").crisis_line.numbers == ("0561990000", "crise")


def test_a_number_asterisk_cannot_dial_is_refused_at_its_line() -> None:
    text = replaced(SHIPPED, "  numbers: []", '  numbers: ["05 61 99 00 00"]')
    [issue] = issues_of(text)
    assert "crisis_line" in issue.message and issue.line == position(text, "  numbers: [")[0]


def test_a_menu_option_may_open_the_alert_launch() -> None:
    option = MenuOption(label="lancer une alerte", action="alert_launch")
    assert option.action == "alert_launch" and "alert_launch" in DIALOGUES
