"""Helpers for the rules tests: the shipped file, a minimal valid file, error lookup."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.rules import RuleIssue, RulesError, load_rules_text

DEFAULT_RULES = Path(__file__).resolve().parents[3] / "routing_rules.yaml"

MINIMAL = """\
version: 1
town: {name: "Mairie de Test", timezone: Europe/Paris}
schedules:
  bureau: {lundi: ["09:00-12:00"]}
departments:
  accueil:
    name: "Accueil"
    spoken_name: "l'accueil"
    hours: bureau
  sports:
    name: "Sports"
    spoken_name: "le service des sports"
    hours: {mardi: ["14:00-17:00"]}
menus:
  principal:
    options:
      1: {label: "les sports", target: sports}
      "2": {label: "autre chose", menu: autre}
  autre:
    options:
      "#": {label: "revenir", action: back}
main_menu: principal
messages:
  welcome: "Bonjour."
  speech_prompt: "Parlez."
  invalid: "Choix invalide."
  no_input: "Rien entendu."
  not_understood: "Pas compris."
  confirm: "Vous voulez {spoken_name} ?"
  transfer: "Je vous mets en relation avec {spoken_name}."
  waiting: "Merci de patienter."
  closed: "{spoken_name} est fermé, réouverture {next_opening}."
  voicemail: "Laissez un message."
  callback_offer: "Tapez 1 pour être rappelé."
  callback_confirmed: "Nous vous rappellerons."
  goodbye: "Au revoir."
"""


def position(text: str, needle: str) -> tuple[int, int]:
    """1-based line and column of the first occurrence of ``needle`` in ``text``."""
    offset = text.index(needle)
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def issues_of(text: str, name: str = "rules.yaml") -> list[RuleIssue]:
    """The issues ``text`` raises; fails the test if it loads."""
    with pytest.raises(RulesError) as caught:
        load_rules_text(text, name)
    return caught.value.issues


def replaced(text: str, old: str, new: str) -> str:
    """``text`` with the first ``old`` replaced, checking it was there."""
    assert old in text, old
    return text.replace(old, new, 1)
