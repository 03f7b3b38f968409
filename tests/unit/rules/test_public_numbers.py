"""``numbers``: the town hall's public numbers (DIDs), each with its entry menu."""

from __future__ import annotations

from datetime import datetime

from ivr.flow import events as e
from ivr.rules import load_rules_text
from tests.fixtures.flow import PARIS, RULES_FILE, Call, said
from tests.fixtures.rules import MINIMAL, issues_of, position

NUMBERS = """
numbers:
  "01 23 45 67 00": {menu: demarches}   # the CCAS's direct line, keyed nationally
"""


def test_numbers_are_stored_in_e164_and_found_in_any_form() -> None:
    rules = load_rules_text(MINIMAL + NUMBERS.replace("demarches", "principal"))
    assert list(rules.numbers) == ["+33123456700"]
    for called in ("+33123456700", "33123456700", "0123456700"):
        assert rules.entry_menu(called) == "principal"
    assert rules.entry_menu("0123456789") == rules.main_menu
    assert rules.entry_menu(None) == rules.main_menu


def test_an_unknown_menu_or_a_bad_number_is_a_file_line_error() -> None:
    text = MINIMAL + NUMBERS
    [issue] = issues_of(text)
    assert "menu inconnu 'demarches'" in issue.message and issue.line is not None
    assert issue.line >= position(text, "numbers:")[0]
    [bad] = issues_of(MINIMAL + NUMBERS.replace("01 23 45 67 00", "12").replace(
        "demarches", "principal"))
    assert "n'est pas un numéro de téléphone" in bad.message and bad.line is not None


def test_a_caller_of_a_direct_line_starts_in_its_menu() -> None:
    at = datetime(2026, 12, 2, 10, 0, tzinfo=PARIS)
    rules = load_rules_text(RULES_FILE.read_text(encoding="utf-8") + NUMBERS)
    direct = Call(at=at, rules=rules)
    out = direct.send(e.CallStarted, "0612345678", "0123456700", "ref-2")
    assert direct.session.menu_id == "demarches"
    assert "Pour l'état civil, tapez 1." in said(out)
    assert "Menu principal." in said(Call(at=at, rules=rules).start())  # another number
