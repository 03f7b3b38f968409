"""Mistakes in the request types and workflows are reported at their line and column."""

from __future__ import annotations

import pytest

from ivr.rules import load_rules_text
from tests.fixtures.rules import MINIMAL, issues_of, position, replaced

REQUESTS = """\
request_workflows:
  simple:
    initial: recue
    statuses:
      recue: {label: "Reçue", citizen: "Reçue.", next: [faite, attente]}
      attente: {label: "En attente", citizen: "On vous attend.", next: [faite], stops_clock: true}
      faite: {label: "Faite", citizen: "C'est fait.", final: true}
request_types:
  badge: {label: "Badge", department: sports, delay: 3, workflow: simple, verification: pin}
"""
TEXT = MINIMAL + REQUESTS

# (what to replace, replacement, text whose position is reported, words of the message)
CASES = {
    "unknown department": ("department: sports", "department: sport", "sport,",
                           "cible inconnue 'sport'"),
    "unknown workflow": ("workflow: simple", "workflow: simpel", "simpel",
                         "circuit inconnu 'simpel'"),
    "unknown initial status": ("initial: recue", "initial: recu", "recu\n",
                               "statut inconnu 'recu'"),
    "unknown next status": ("next: [faite, attente]", "next: [faite, atente]", "atente",
                            "statut inconnu 'atente'"),
    "no final status": ('citizen: "C\'est fait.", final: true}', 'citizen: "C\'est fait."}',
                        "recue: {", "au moins un statut `final: true`"),
    "final leading somewhere": ("final: true}", "final: true, next: [recue]}", "[recue]}",
                                "un statut final ne mène nulle part"),
    "dead end": ("next: [faite], stops_clock", "stops_clock", '{label: "En attente"',
                 "a besoin de `next` (ou de `final: true`)"),
    "zero delay": ("delay: 3", "delay: 0", "0, workflow", "doit être supérieur à 0, pas 0"),
    "unknown verification": ("verification: pin", "verification: code", "code}",
                             "choisir parmi 'none', 'date_naissance' ou 'pin', pas 'code'"),
    "unknown key": ("stops_clock: true", "stop_clock: true", "stop_clock",
                    "clé inconnue 'stop_clock' (vouliez-vous dire 'stops_clock' ?)"),
}


def test_the_example_is_valid() -> None:
    rules = load_rules_text(TEXT)
    assert rules.request_types["badge"].delay == 3
    assert rules.request_workflows["simple"].statuses["attente"].stops_clock


@pytest.mark.parametrize("case", list(CASES))
def test_error_points_at_the_offending_node(case: str) -> None:
    old, new, where, words = CASES[case]
    text = replaced(TEXT, old, new)
    [issue] = [i for i in issues_of(text) if words in i.message]
    assert (issue.line, issue.col) == position(text, where), issue
