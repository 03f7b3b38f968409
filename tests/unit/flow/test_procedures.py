"""Short answers about procedures: declared in the rules, said from the catalogue."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.domain.outcomes import ContactOutcome
from ivr.domain.prompt_texts import Prompt, Text
from ivr.flow import commands as c
from ivr.flow.dialogue import Fallback, Finish, Transfer
from ivr.flow.procedures import LINK_OFFER, LinkQueued, ProcedureAnswer, SendProcedureLink
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
    assert "procedure-after" in catalogue


def test_answer_then_again_then_the_department_or_goodbye() -> None:
    d = ProcedureAnswer(RULES, "creche")
    first = d.start(T0)
    assert first.say == (Prompt("procedure-creche"), Prompt("procedure-after"))
    assert c.UpdateContact(at=T0, outcome=ContactOutcome.SELF_SERVICE) in first.commands
    assert d.digit("1", T0).say == first.say
    assert d.digit("2", T0).end == Transfer("petite-enfance")
    assert d.timeout(T0).end == Finish(ContactOutcome.SELF_SERVICE, "self_service")


def test_the_shipped_family_menu_opens_the_school_answer() -> None:
    call = Call(rules=RULES)
    call.start()
    call.digit("3")
    out = call.digit("3")
    assert [p.items for p in of(c.Play, out)] == [
        (Prompt("procedure-inscription-scolaire"), Prompt("procedure-after"))]
    assert {"kind": "procedure_told", "topic": "inscription-scolaire"} in \
        records(out, c.ContactEvent)


def test_a_topic_must_be_declared_and_go_with_a_procedure(tmp_path: Path) -> None:
    text = (ROOT / "routing_rules.yaml").read_text()
    bad = tmp_path / "rules.yaml"
    bad.write_text(text.replace("topic: creche}", "topic: garderie}", 1))
    with pytest.raises(RulesError, match="unknown procedure 'garderie'"):
        load_rules(bad)
    bad.write_text(text.replace("action: procedure, topic: creche}",
                                "target: scolaire, topic: creche}", 1))
    with pytest.raises(RulesError, match="topic"):
        load_rules(bad)


def test_a_mobile_caller_may_have_the_link_by_sms_once_with_consent() -> None:
    d = ProcedureAnswer(RULES, "titres-identite", "call-9", "0612345678")
    first = d.start(T0)
    assert first.say == (Prompt("procedure-titres-identite"), Prompt("procedure-after"),
                         Text(LINK_OFFER))
    asked = d.digit("3", T0)
    assert asked.ask == SendProcedureLink("titres-identite", "https://ants.gouv.fr/",
                                          "+33612345678", LINK_OFFER, "3", "call-9", T0, RULES)
    sent = d.answered(LinkQueued(), T0)
    assert sent.say == (Prompt("procedure-link-sent"), Prompt("procedure-after"))
    assert {"kind": "procedure_link_sms", "topic": "titres-identite"} in \
        records(list(sent.commands), c.ContactEvent)
    assert d.digit("3", T0).ask is None  # once


@pytest.mark.parametrize(("topic", "caller"), [("creche", "0612345678"),  # no link declared
                                               ("titres-identite", "0145678901"),  # a landline
                                               ("titres-identite", None)])
def test_no_link_offer_without_a_link_or_a_mobile(topic: str, caller: str | None) -> None:
    d = ProcedureAnswer(RULES, topic, "call-9", caller)
    assert Text(LINK_OFFER) not in d.start(T0).say
    assert d.digit("3", T0).ask is None


def test_the_store_away_when_sending_the_link_puts_the_caller_through() -> None:
    d = ProcedureAnswer(RULES, "titres-identite", "call-9", "0612345678")
    d.start(T0)
    d.digit("3", T0)
    assert isinstance(d.answered(Unavailable("timeout"), T0).end, Fallback)


def test_a_link_must_be_a_web_page(tmp_path: Path) -> None:
    text = (ROOT / "routing_rules.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "rules.yaml"
    bad.write_text(text.replace('link: "https://ants.gouv.fr/"', 'link: "javascript:alert(1)"'),
                   encoding="utf-8")
    with pytest.raises(RulesError, match="https://"):
        load_rules(bad)
