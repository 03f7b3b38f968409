"""Each kind of mistake in the rules file is reported at its line and column."""

from __future__ import annotations

import pytest

from ivr.rules import RulesError, load_rules, load_rules_text
from tests.fixtures.rules import MINIMAL, issues_of, position, replaced

# (what to replace, replacement, text whose position is reported, words of the message)
CASES = {
    "unknown key": (
        '    spoken_name: "le service des sports"', '    spoken_nme: "le service des sports"',
        "spoken_nme", "clé inconnue 'spoken_nme' (vouliez-vous dire 'spoken_name' ?)"),
    "missing key": (
        '  welcome: "Bonjour."\n', "", "messages:", "clé obligatoire manquante 'welcome'"),
    "bad time": ('["09:00-12:00"]', '["09:00-12:70"]', '"09:00-12:70"',
                 "12:70 n'est pas une heure valide"),
    "malformed range": ('["09:00-12:00"]', '["9h-12h"]', '"9h-12h"',
                        "une plage horaire s'écrit comme \"08:30-12:00\", pas '9h-12h'"),
    "start after end": ('["14:00-17:00"]', '["17:00-14:00"]', '"17:00-14:00"',
                        "le début doit précéder la fin"),
    "overlapping ranges": ('["09:00-12:00"]', '["09:00-12:00", "11:00-13:00"]',
                           '["09:00-12:00", "11:00-13:00"]', "se chevauchent"),
    "unknown target": ("target: sports}", "target: sprots}", "sprots", "cible inconnue 'sprots'"),
    "unknown menu": ("menu: autre}", "menu: autres}", "autres", "menu inconnu 'autres'"),
    "unknown main menu": ("main_menu: principal", "main_menu: accueil", "accueil\nmessages",
                          "menu inconnu 'accueil'"),
    "bad digit": ('"2": {label', '"22": {label', '"22"', "n'est pas une touche du clavier"),
    "bad timezone": ("timezone: Europe/Paris", "timezone: Europe/Pariss", "Europe/Pariss",
                     "fuseau horaire inconnu 'Europe/Pariss'"),
    "unknown schedule": ("hours: bureau", "hours: burreau", "burreau",
                         "horaires nommés inconnus 'burreau'"),
    "unknown placeholder": ("relation avec {spoken_name}", "relation avec {service}",
                            '"Je vous mets', "variable inconnue {service}"),
    "two destinations": ('{label: "les sports", target: sports}',
                         '{label: "les sports", target: sports, menu: autre}',
                         '{label: "les sports"', "un seul parmi target, menu ou action"),
    "unknown member": ("    hours: bureau\n", "    hours: bureau\n    members: [nobody]\n",
                       "nobody", "agent inconnu 'nobody'"),
    "negative queue length": (
        "    hours: bureau\n", "    hours: bureau\n    queue: {max_callers: -1}\n",
        "-1}", "max_callers: doit être supérieur ou égal à 0, pas -1"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_error_points_at_the_offending_node(case: str) -> None:
    old, new, where, words = CASES[case]
    text = replaced(MINIMAL, old, new)
    # some mistakes bring a second issue (a renamed key is also a missing one)
    [issue] = [i for i in issues_of(text) if words in i.message]
    assert (issue.line, issue.col) == position(text, where), issue


def test_back_needs_a_parent_menu() -> None:
    text = replaced(MINIMAL, '"2": {label: "autre chose", menu: autre}',
                    '"2": {label: "autre chose", target: accueil}')
    [issue] = issues_of(text)
    assert (issue.line, issue.col) == position(text, "back}")
    assert "`back` a besoin d'un menu parent" in issue.message


def test_yaml_syntax_error_has_its_line() -> None:
    text = replaced(MINIMAL, "main_menu: principal", "main_menu: [principal")
    [issue] = issues_of(text)
    assert issue.message.startswith("syntaxe YAML : « , » ou « ] » manquant")
    assert issue.line == position(text, "messages:")[0]  # where the parser gave up
    assert f"(bloc commencé ligne {position(text, 'main_menu')[0]})" in issue.message


def test_duplicate_keys_are_syntax_errors() -> None:
    text = replaced(MINIMAL, "main_menu: principal", "main_menu: principal\nmain_menu: autre")
    [issue] = issues_of(text)
    assert issue.line == position(text, "main_menu: autre")[0]
    assert "clé « main_menu » écrite deux fois" in issue.message


def test_several_errors_are_all_reported_in_str() -> None:
    text = replaced(replaced(MINIMAL, "Europe/Paris", "Mars/Olympus"), "lundi:", "lundy:")
    with pytest.raises(RulesError) as caught:
        load_rules_text(text, "mine.yaml")
    lines = str(caught.value).splitlines()
    assert lines == [str(issue) for issue in caught.value.issues]
    assert len(lines) == 2
    assert all(line.startswith("mine.yaml:") and line.count(":") >= 3 for line in lines)


def test_not_a_mapping_and_unreadable_file(tmp_path) -> None:
    [issue] = issues_of("- just\n- a list\n")
    assert (issue.line, issue.col) == (1, 1)
    with pytest.raises(RulesError) as caught:
        load_rules(tmp_path / "absent.yaml")
    assert caught.value.issues[0].line is None
    assert str(caught.value) == \
        f"{tmp_path / 'absent.yaml'}: impossible de lire le fichier : fichier introuvable"


def test_minimal_file_loads_with_integer_keys_and_defaults() -> None:
    rules = load_rules_text(MINIMAL, "rules.yaml")
    assert set(rules.menus["principal"].options) == {"1", "2"}
    assert rules.input.fallback_target == "accueil"
    assert rules.departments["sports"].queue.strategy == "ringall"
    assert str(rules.weekly_hours("sports").mardi[0]) == "14:00-17:00"


def test_closure_needs_one_period() -> None:
    text = MINIMAL + "calendar:\n  closures:\n    - {date: 2027-01-02, from: 2027-01-01, " \
                     "to: 2027-01-03, reason: x}\n"
    [issue] = issues_of(text)
    assert (issue.line, issue.col) == position(text, "{date: 2027")
    assert "une fermeture a besoin de `date`, ou de `from` et `to`" in issue.message
