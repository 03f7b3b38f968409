"""Short answers about procedures: declared in the rules, said from the catalogue."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.domain.outcomes import ContactOutcome
from ivr.domain.prompt_texts import Prompt, Text
from ivr.flow import commands as c
from ivr.flow.dialogue import Finish, Transfer
from ivr.flow.procedures import NOT_SENT, SENT, ProcedureAnswer, SendProcedureLink
from ivr.flow.queries import Unavailable
from ivr.prompts import load_catalogue
from ivr.rules import RulesError, load_rules
from tests.fixtures.flow import Call, of, records
from tests.fixtures.requests import ROOT, RULES, T0


def test_every_declared_procedure_has_its_text_in_the_catalogue() -> None:
    catalogue = load_catalogue(ROOT / "prompts" / "catalogue.yaml")
    assert RULES.self_service.procedures
    for topic in RULES.self_service.procedures:
        assert f"procedure-{topic}" in catalogue, topic
    assert "procedure-after" in catalogue and "procedure-after-link" in catalogue


def test_answer_then_again_then_the_department_or_goodbye() -> None:
    d = ProcedureAnswer(RULES, "creche")
    first = d.start(T0)
    assert first.say == (Prompt("procedure-creche"), Prompt("procedure-after"))
    assert c.UpdateContact(at=T0, outcome=ContactOutcome.SELF_SERVICE) in first.commands
    assert d.digit("9", T0).say == first.say  # « pour réécouter, tapez 9 »
    assert d.digit("1", T0).say[0] == Prompt("invalid")  # no mobile: no link on 1
    assert d.digit("2", T0).end == Transfer("petite-enfance")
    assert d.timeout(T0).end == Finish(ContactOutcome.SELF_SERVICE, "self_service")


def test_the_shipped_family_menu_opens_the_school_answer() -> None:
    call = Call(rules=RULES)
    call.start()
    call.digit("3")
    out = call.digit("3")
    assert [p.items for p in of(c.Play, out)] == [  # a mobile caller: « tapez 1 » for the link
        (Prompt("procedure-inscription-scolaire"), Prompt("procedure-after-link"))]
    assert {"kind": "procedure_told", "topic": "inscription-scolaire"} in \
        records(out, c.ContactEvent)


def test_a_topic_must_be_declared_and_go_with_a_procedure(tmp_path: Path) -> None:
    text = (ROOT / "routing_rules.yaml").read_text()
    bad = tmp_path / "rules.yaml"
    bad.write_text(text.replace("topic: creche}", "topic: garderie}", 1))
    with pytest.raises(RulesError, match="démarche inconnue 'garderie'"):
        load_rules(bad)
    bad.write_text(text.replace("action: procedure, topic: creche}",
                                "target: scolaire, topic: creche}", 1))
    with pytest.raises(RulesError, match="topic"):
        load_rules(bad)


def test_the_link_by_sms_to_a_mobile_caller_once() -> None:
    d = ProcedureAnswer(RULES, "creche", "06 12 34 56 78", "call-9")
    assert d.start(T0).say == (Prompt("procedure-creche"), Prompt("procedure-after-link"))
    asked = d.digit("1", T0)
    assert asked.ask == SendProcedureLink("+33612345678", "creche",
                                          "https://www.villebourg.fr/demarches/creche",
                                          "Mairie de Villebourg", "call-9", T0)
    told = d.answered(True, T0)
    assert told.say == (Text(SENT), Prompt("procedure-after"))  # no « tapez 1 » twice
    assert d.digit("1", T0).ask is None
    assert d.answered(Unavailable("timeout"), T0).say[0] == Text(NOT_SENT)


@pytest.mark.parametrize("caller", [None, "anonymous", "01 23 45 67 89"])
def test_no_link_offered_without_a_mobile_number(caller: str | None) -> None:
    d = ProcedureAnswer(RULES, "creche", caller)
    assert d.start(T0).say[-1] == Prompt("procedure-after")
    assert d.digit("1", T0).ask is None


def test_the_choices_follow_the_issue_link_first_service_second_again_last() -> None:
    catalogue = load_catalogue(ROOT / "prompts" / "catalogue.yaml")
    offer = catalogue["procedure-after-link"]
    link, service, again = (offer.index(words) for words in (
        "lien par SMS, tapez 1", "parler au service, tapez 2", "réécouter, tapez 9"))
    assert link < service < again
    assert "tapez 1" not in catalogue["procedure-after"]
