"""The appointments section is validated like the rest: each mistake at its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.rules import RulesError, load_rules_text

SHIPPED = (Path(__file__).resolve().parents[3] / "routing_rules.yaml").read_text()


@pytest.mark.parametrize(("old", "new", "words"), [
    ("request_type: rendez-vous-agenda-elu", "request_type: nope",
     "type de demande inconnu 'nope'"),
    ("request_type: rendez-vous-agenda-titre", "request_type: passeport",
     "statuts reserve, honore, annule, absent"),
    ("department: titres-identite\n      request_type", "department: mairie\n      request_type",
     "cible inconnue 'mairie'"),
    ("slot_minutes: 20", "slot_minutes: 0", "doit être supérieur à 0"),
    ("      motives:\n        depot-cni", "      motives: {}\n      unused:\n        depot-cni",
     "clé inconnue 'unused'"),
    ('hours: {mercredi: ["09:00-12:00"]}', "hours: nulle-part",
     "horaires nommés inconnus 'nulle-part'"),
])
def test_a_mistake_in_a_calendar_is_reported_at_its_line(old: str, new: str, words: str) -> None:
    assert old in SHIPPED
    text = SHIPPED.replace(old, new, 1)
    with pytest.raises(RulesError) as error:
        load_rules_text(text, "routing_rules.yaml")
    assert words in str(error.value)
    line = int(str(error.value).split(":")[1])
    assert line > SHIPPED[:SHIPPED.index("appointments:\n")].count("\n")


def test_too_many_motives_for_the_keypad_are_refused() -> None:
    nine = "".join(f'        m{i}: "motif {i}"\n' for i in range(9))
    text = SHIPPED.replace('      motives:\n        projet-construction',
                           f'      motives:\n{nine}        projet-construction', 1)
    with pytest.raises(RulesError, match="de 1 à 8 motifs"):
        load_rules_text(text, "routing_rules.yaml")


def test_the_shipped_rules_declare_the_issue_s_calendars() -> None:
    rules = load_rules_text(SHIPPED, "routing_rules.yaml")
    calendars = rules.appointments.calendars
    assert {"maire", "adjointe-urbanisme", "titres-identite"} <= set(calendars)
    assert calendars["maire"].motive_key("personnel") == "2"
