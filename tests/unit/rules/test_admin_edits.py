"""The admin's edits of routing_rules.yaml change only their entry's lines, and the
problems ``rules check`` finds in an edit land at the form's field, in French."""

from __future__ import annotations

from pathlib import Path

from admin import rule_issues, rules_yaml
from admin.rules_publish import check
from tests.fixtures.rules_text import changed_lines

RULES = (Path(__file__).parents[3] / "routing_rules.yaml").read_text(encoding="utf-8")


def test_a_wrapped_list_is_replaced_whole_and_the_rest_kept() -> None:
    after = rules_yaml.set_value(RULES, ("departments", "accueil", "speech", "keywords"),
                                 ["accueil", "standard"])
    removed, added = changed_lines(RULES, after)
    assert len(removed) == 4 and added == ["      keywords: [accueil, standard]"]
    assert after.count("#") == RULES.count("#")


def test_a_new_key_goes_before_its_successor_and_its_comment() -> None:
    text = 'options:\n  "1": {label: "a", action: hours}\n  # the way back\n' \
           '  "#": {label: "b", action: back}\n'
    after = rules_yaml.set_value(text, ("options", "2"), {"label": "c'est ça", "target": "x"},
                                 before="#")
    assert after.splitlines()[2:4] == ['  "2": {label: "c\'est ça", target: x}', "  # the way back"]


def test_a_removed_entry_takes_only_its_lines() -> None:
    after = rules_yaml.delete(RULES, ("menus", "avis", "options", "3"))
    assert changed_lines(RULES, after) == (
        ['      "3": {label: "parler au service des relations avec les usagers", '
         'target: reclamations}'], [])


def test_texts_that_look_like_other_values_stay_texts() -> None:
    for value in ("yes", "null", "12", "08:30", 'dit « oui » et "non"'):
        after = rules_yaml.set_value(RULES, ("messages", "goodbye"), value)
        assert rules_yaml.node_at(after, ("messages", "goodbye")) == value


def test_the_check_s_problems_are_placed_at_the_fields_in_french() -> None:
    edited = rules_yaml.set_value(RULES, ("schedules", "mairie", "lundi"), ["12:00-08:00"])
    _, issues = check(edited, "routing_rules.yaml")
    placed = rule_issues.place(issues, {"schedules.mairie.lundi": "hours"})
    assert placed == rule_issues.Placed(
        {"hours": ["'12:00-08:00' : le début doit précéder la fin."]}, [])
    _, issues = check(rules_yaml.set_value(RULES, ("main_menu",), "nulle-part"), "r.yaml")
    placed = rule_issues.place(issues, {"schedules.mairie.lundi": "hours"})
    assert placed.at_fields == {}
    line = next(n for n, text in enumerate(RULES.splitlines(), 1) if text.startswith("main_menu"))
    assert placed.rest == [f"Ligne {line} : Menu inconnu 'nulle-part'."]
