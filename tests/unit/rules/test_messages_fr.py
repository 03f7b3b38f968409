"""Every message of the rules' validation is French, whatever the mistake."""

from __future__ import annotations

import re

import pytest
from pydantic_core import ErrorDetails

from ivr.rules.messages_fr import GENERIC, pydantic_message, yaml_problem
from tests.fixtures.rules import MINIMAL, issues_of, replaced

ENGLISH = re.compile(r"\b(should|expected|unknown|missing|input|field|must|needs?|valid|"
                     r"not a|found|while|allowed|error)\b", re.IGNORECASE)

# many kinds of mistakes at once: types, bounds, choices, patterns, keys, our own checks
MISTAKES = [
    ("version: 1", "version: 2"),
    ('town: {name: "Mairie de Test", timezone: Europe/Paris}',
     'town: {name: "", timezone: Europe/Pariss, alsace_moselle: peutetre}'),
    ('  bureau: {lundi: ["09:00-12:00"]}',
     '  bureau: {lundi: ["9h-12h"], mardi: ["09:00-12:70"], jeudi: "x", lundy: []}\n'
     '  Mauvais Nom: {vendredi: ["10:00-12:00", "11:00-13:00"], samedi: ["12:00-10:00"]}'),
    ("    hours: bureau\n",
     "    hours: bureau\n    queue: {max_callers: -1, ring_timeout: abc, strategy: tout, "
     "wrapup: 1.5}\n"),
    ('1: {label: "les sports", target: sports}',
     '1: {label: "les sports", target: sprots, menu: autre}\n'
     '      "22": {label: x, target: sports, topic: cni}'),
    ('  welcome: "Bonjour."\n', ""),
    ('confirm: "Vous voulez {spoken_name} ?"', 'confirm: "Vous voulez {spoken_name!r} ?"'),
    ('transfer: "Je vous mets en relation avec {spoken_name}."',
     'transfer: "Je vous mets en relation avec {service}."'),
    ('goodbye: "Au revoir."', 'goodbye: "Au revoir.}"\n  foo: bar'),
]
APPENDED = """calendar:
  public_holidays: 3
  closures:
    - {date: 2027-01-02, from: 2027-01-01, to: 2027-01-03, reason: x}
    - {date: "2027-02-30", reason: y}
    - {from: 2027-03-05, to: 2027-03-01, reason: z}
    - {from: 2027-03-05, reason: ""}
  special_days: notalist
speech:
  route_threshold: 1.5
  confirm_threshold: 0.9
self_service:
  procedures:
    cni: {link: "http://x", department: [a]}
numbers:
  "12": {menu: principal}
crisis_line:
  numbers: ["bad number!"]
agents:
  marie: {name: Marie, contact: "tel:+33612345678"}
alerts:
  crisis_cell: [{name: Maire, number: "06 12"}]
"""


def test_many_kinds_of_mistakes_are_all_told_in_french_at_their_line() -> None:
    text = MINIMAL
    for old, new in MISTAKES:
        text = replaced(text, old, new)
    issues = issues_of(text + APPENDED)
    assert len(issues) >= 25
    for issue in issues:
        assert issue.line is not None and issue.col is not None, issue
        assert not ENGLISH.search(issue.message), issue


@pytest.mark.parametrize("broken", [
    "main_menu: [principal", "main_menu: {a: 1", "main_menu: principal: x", 'main_menu: "a\\qb"',
    "main_menu: *nope", "main_menu:\tprincipal\n\tx: 1", "main_menu: principal\n- x",
    "main_menu: |x\n  a", "main_menu: 2027-02-30", "main_menu: principal\nmain_menu: autre",
])  # fmt: skip
def test_yaml_syntax_mistakes_are_told_in_french_at_their_line(broken: str) -> None:
    [issue] = issues_of(replaced(MINIMAL, "main_menu: principal", broken))
    assert issue.line is not None and issue.line >= MINIMAL.count("\n", 0, MINIMAL.index("main"))
    assert not ENGLISH.search(issue.message), issue


def test_pydantic_errors_are_translated_by_type_with_their_values() -> None:
    def error(kind: str, value: object, **ctx: object) -> ErrorDetails:
        return ErrorDetails(type=kind, loc=("x",), msg="Input should be...", input=value,
                            ctx=ctx)

    assert pydantic_message(error("string_too_long", "a" * 9, max_length=8)) == \
        "texte trop long : au plus 8 caractères, pas 'aaaaaaaaa'"
    assert pydantic_message(error("less_than_equal", 1.5, le=1.0)) == \
        "doit être inférieur ou égal à 1, pas 1,5"
    assert pydantic_message(error("literal_error", "x", expected="'a' or 'b'")) == \
        "valeur non permise : choisir parmi 'a' ou 'b', pas 'x'"
    # a type absent from the table, or one whose values are missing, is still French
    assert pydantic_message(error("url_scheme", ["x"])) == GENERIC
    assert pydantic_message(error("greater_than", 0)) == GENERIC + ", pas 0"
    assert pydantic_message(error("string_pattern_mismatch", "É")) == GENERIC + ", pas 'É'"
    assert yaml_problem("some future English problem") == "syntaxe YAML incorrecte"
