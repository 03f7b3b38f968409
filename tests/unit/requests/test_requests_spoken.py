"""A request's state said from pieces rendered ahead of calls (``ivr.requests.spoken``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from ivr.requests.spoken import as_sentence, spoken_state, state_pieces
from tests.fixtures.requests import PARIS, RULES

SINCE = datetime(2026, 12, 3, 9, tzinfo=PARIS)


def test_the_status_reads_as_one_sentence() -> None:
    said = spoken_state(RULES, "carte-identite", "en-production", SINCE,
                        SINCE + timedelta(days=29), closed=False)
    assert as_sentence(said) == (
        "Votre demande de carte nationale d'identité, mise à jour le jeudi 3 décembre. "
        + RULES.request_workflows["titre-identite"].statuses["en-production"].citizen
        + " La réponse est prévue au plus tard le vendredi 1er janvier.")


def test_every_piece_said_is_rendered_ahead_of_calls() -> None:
    """Every type, every status, the dates of a whole year: nothing left to synthesise."""
    ahead = set(state_pieces(RULES))
    for type_id, kind in RULES.request_types.items():
        for status in RULES.request_workflows[kind.workflow].statuses:
            for days in range(0, 366, 7):
                since = SINCE + timedelta(days=days)
                due = since + timedelta(days=days % 31)
                said = spoken_state(RULES, type_id, status, since, due, closed=False)
                assert set(said) <= ahead, set(said) - ahead
    assert len(ahead) < 200  # a few seconds of rendering when the rules load
