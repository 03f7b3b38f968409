"""Every contact outcome the IVR can store has its French label in the admin."""

from admin.labels import OUTCOMES, label, options
from ivr.domain.outcomes import ContactOutcome


def test_every_outcome_has_a_french_label_and_nothing_else_does() -> None:
    assert set(OUTCOMES) == set(ContactOutcome)
    assert label("callback_requested", "outcome") == "Rappel demandé"
    assert label(ContactOutcome.ABANDONED_QUEUE, "outcome") == "Raccroché en attente"
    values = [choice.value for choice in options("outcome", "Toutes")]
    assert values == ["", *(str(outcome) for outcome in ContactOutcome)]
