"""Every contact outcome the IVR can store has its French label in the admin."""

from flask import Flask

from admin.labels import OUTCOMES, label, options
from admin.templating import agent_name, readable, service_name
from ivr.domain.outcomes import ContactOutcome


def test_every_outcome_has_a_french_label_and_nothing_else_does() -> None:
    assert set(OUTCOMES) == set(ContactOutcome)
    assert label("callback_requested", "outcome") == "Rappel demandé"
    assert label(ContactOutcome.ABANDONED_QUEUE, "outcome") == "Raccroché en attente"
    values = [choice.value for choice in options("outcome", "Toutes")]
    assert values == ["", *(str(outcome) for outcome in ContactOutcome)]


def test_services_and_agents_by_their_names(app: Flask) -> None:
    with app.app_context():
        assert service_name("etat-civil") == "État civil"
        assert agent_name("PJSIP/agent-etat-civil-1") == agent_name("agent-etat-civil-1")
        assert agent_name("agent-etat-civil-1") == "État civil 1"
        assert agent_name("agent-inconnu-9") == "agent-inconnu-9"  # the rules no longer know it
        assert (service_name(None), agent_name(""), readable(None)) == ("—", "—", "—")
        assert readable([True, "etat-civil", {"n": False}]) == "oui, État civil, n : non"
