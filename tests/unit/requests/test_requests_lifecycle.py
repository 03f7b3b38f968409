"""The shipped request types: every transition is allowed exactly when the rules say so."""

from __future__ import annotations

import itertools

import pytest

from ivr.requests import lifecycle
from ivr.requests.errors import ForbiddenTransition, UnknownStatus, UnknownType
from tests.fixtures.requests import RULES

SHIPPED_TYPES = {
    "acte-naissance", "acte-mariage", "acte-deces", "carte-identite", "passeport",
    "inscription-scolaire", "cantine-periscolaire", "place-creche", "rendez-vous-elu",
    "rendez-vous-agenda-elu", "rendez-vous-agenda-titre",
    "reclamation", "suggestion", "signalement-voirie", "signalement-eclairage",
    "signalement-proprete", "demande-information", "message-vocal", "aide-alerte",
}


def test_the_issue_s_types_are_shipped() -> None:
    assert set(RULES.request_types) == SHIPPED_TYPES


def pairs(type_id: str) -> list[tuple[str, str]]:
    return list(itertools.permutations(lifecycle.workflow(RULES, type_id).statuses, 2))


@pytest.mark.parametrize("type_id", sorted(SHIPPED_TYPES))
def test_every_transition_follows_next(type_id: str) -> None:
    statuses = lifecycle.workflow(RULES, type_id).statuses
    for origin, target in pairs(type_id):
        allowed = target in statuses[origin].next
        assert lifecycle.can_transition(RULES, type_id, origin, target) is allowed
        if allowed:
            assert lifecycle.check_transition(RULES, type_id, origin, target) is statuses[target]
        else:
            with pytest.raises(ForbiddenTransition, match="ne peut pas passer"):
                lifecycle.check_transition(RULES, type_id, origin, target)


@pytest.mark.parametrize("type_id", sorted(SHIPPED_TYPES))
def test_finals_close_and_every_status_speaks_to_the_citizen(type_id: str) -> None:
    finals = lifecycle.final_statuses(RULES, type_id)
    assert finals and lifecycle.initial_status(RULES, type_id) not in finals
    for name, status in lifecycle.workflow(RULES, type_id).statuses.items():
        assert (name in finals) == (not status.next)
        assert lifecycle.citizen_sentence(RULES, type_id, name).endswith(".")


def test_identity_documents_follow_the_national_procedure() -> None:
    path = ["depose", "en-instruction", "a-completer", "en-instruction", "en-production",
            "disponible", "remis"]
    for origin, target in itertools.pairwise(path):
        assert lifecycle.can_transition(RULES, "carte-identite", origin, target)
    available = lifecycle.status(RULES, "passeport", "disponible")
    assert available.stops_clock and "trois mois" in available.citizen
    assert lifecycle.final_statuses(RULES, "passeport") == {"remis", "detruit", "refuse"}


def test_unknown_type_and_status_are_french_errors() -> None:
    with pytest.raises(UnknownType, match="Type de demande inconnu : « permis »"):
        lifecycle.request_type(RULES, "permis")
    with pytest.raises(UnknownStatus, match=r"Statut inconnu .* « livre »"):
        lifecycle.check_transition(RULES, "passeport", "depose", "livre")
    with pytest.raises(ForbiddenTransition, match="elle est close"):
        lifecycle.check_transition(RULES, "passeport", "remis", "depose")
