"""Every contact outcome the IVR can store has its French label in the admin."""

from flask import Flask

from admin.labels import OUTCOMES, label, options
from admin.templating import agent_name, format_phone, menu_path, readable, service_name
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


def test_numbers_as_an_agent_reads_them_and_keys_as_the_choices_heard(app: Flask) -> None:
    assert format_phone("0612345678") == "06 12 34 56 78"
    assert format_phone("+33612345678") == "06 12 34 56 78"
    assert format_phone("+442079460000") == "+44 20 7946 0000"
    assert format_phone("anonymous") == "anonymous" and format_phone(None) == "—"
    with app.app_context():
        assert menu_path("1>2") == ("Les papiers et l'état civil › "
                                    "Une carte d'identité ou un passeport")
        assert menu_path("1>#") == "Les papiers et l'état civil › Revenir au menu principal"
        assert menu_path("9>1") == "touches 9, 1"  # no such key: the keys themselves
        assert menu_path("") == "—"
