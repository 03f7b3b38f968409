"""The phone subscriptions dialogue as a pure state machine, and its store answers."""

from __future__ import annotations

from datetime import UTC, datetime

from ivr.flow.dialogue import Fallback, ToMainMenu
from ivr.flow.queries import Unavailable
from ivr.flow.subscriptions import (
    ListState,
    SetSubscription,
    SubscriptionLists,
    SubscriptionsDialogue,
)
from ivr.store.citizens import find_citizen
from ivr.store.db import Store
from ivr.store.subscriptions import phone_lists, phone_subscription
from tests.fixtures.requests import RULES

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)
LISTS = (ListState("alertes", "Alertes", False), ListState("bulletin", "Bulletin municipal", True))


def _said(reply: object) -> str:
    return " ".join(getattr(item, "text", "") for item in getattr(reply, "say", ()))


def test_subscribe_with_consent_then_finish() -> None:
    dialogue = SubscriptionsDialogue(RULES, "call-1", "0612345678")
    assert "zéro six" in _said(dialogue.start(NOW))
    asking = dialogue.digit("1", NOW)
    assert asking.ask == SubscriptionLists("+33612345678")
    menu = dialogue.answered(LISTS, NOW)
    assert "Liste 1 : Alertes, vous n'êtes pas abonné" in _said(menu)
    consent = dialogue.digit("1", NOW)
    assert "vous acceptez de recevoir par SMS" in _said(consent)
    saving = dialogue.digit("1", NOW)
    assert isinstance(saving.ask, SetSubscription)
    assert (saving.ask.name, saving.ask.subscribed, saving.ask.key) == ("alertes", True, "1")
    assert saving.ask.wording.startswith("En tapant 1, vous acceptez")
    again = dialogue.answered(True, NOW)
    assert "C'est noté" in _said(again) and isinstance(again.ask, SubscriptionLists)
    dialogue.answered(LISTS, NOW)
    assert isinstance(dialogue.digit("#", NOW).end, ToMainMenu)


def test_cancel_unsubscribe_and_bad_keys() -> None:
    dialogue = SubscriptionsDialogue(RULES, "call-2", "+33612345678")
    dialogue.start(NOW)
    dialogue.digit("1", NOW)
    dialogue.answered(LISTS, NOW)
    assert "ne recevrez plus" in _said(dialogue.digit("2", NOW))
    assert "Liste 1" in _said(dialogue.digit("2", NOW))  # cancelled: the menu again
    assert "Liste 1" in _said(dialogue.digit("7", NOW))  # no list 7
    ends = [dialogue.digit("7", NOW).end for _ in range(RULES.input.retries)]
    assert ends[-1] == Fallback("gave_up") and ends[:-1] == [None] * (RULES.input.retries - 1)


def test_no_number_or_store_down_hands_over() -> None:
    hidden = SubscriptionsDialogue(RULES, "call-3", "anonymous")
    assert hidden.start(NOW).end == Fallback("no_number")
    dialogue = SubscriptionsDialogue(RULES, "call-4", "0612345678")
    dialogue.start(NOW)
    dialogue.digit("1", NOW)
    assert dialogue.answered(Unavailable("timeout"), NOW).end == Fallback("store_timeout")


def test_store_answers_record_the_proof(store: Store) -> None:
    number = "+33612345678"
    assert not any(item.subscribed for item in phone_lists(store, SubscriptionLists(number)))
    assert phone_subscription(store, SetSubscription(number, "bulletin", True,
                                                     "En tapant 1…", "1", "call-9", NOW))
    states = {i.name: i.subscribed for i in phone_lists(store, SubscriptionLists(number))}
    assert states == {"action-sociale": False, "alertes": False, "bulletin": True,
                      "travaux": False}
    citizen = find_citizen(store, phone=number)
    assert citizen is not None
    (proof,) = citizen.consents
    assert (proof.purpose, proof.channel, proof.actor) == ("liste:bulletin", "phone", "ivr")
    assert proof.wording == "En tapant 1… [touche 1, appel call-9]"
