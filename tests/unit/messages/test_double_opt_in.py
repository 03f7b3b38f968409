"""Subscriptions asked through the API, on SQLite and PostgreSQL: nothing is kept until
the link or the code confirms it; then the consent carries its proof."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from ivr.requests.errors import InvalidInput
from ivr.store import subscription_requests as optin
from ivr.store.citizens import find_citizen
from ivr.store.db import Store
from ivr.store.models import Citizen, Message
from ivr.store.subscriptions import consent_register
from tests.fixtures.requests import RULES

NOW = datetime(2026, 12, 1, 21, 0, tzinfo=UTC)  # at night: a confirmation leaves anyway
URL = "https://mairie.example/public/abonnements/confirmer"
WORDING = "J'accepte de recevoir le bulletin municipal."


def _last(store: Store) -> Message:
    with store.session() as session:
        row = session.scalars(select(Message).order_by(Message.id.desc())).first()
        assert row is not None
        session.expunge(row)
        return row


def _citizens(store: Store) -> int:
    with store.session() as session:
        return len(list(session.scalars(select(Citizen))))


def test_email_link(store: Store) -> None:
    asked = optin.ask(store, RULES, list_name="bulletin", wording=WORDING, now=NOW,
                      confirm_url=URL, email="Alice@Example.org")
    assert asked.channel == "email" and _citizens(store) == 0
    mail = _last(store)
    assert (mail.recipient, mail.next_attempt_at) == ("alice@example.org", None)
    token = re.search(r"jeton=([\w-]+)", mail.body)
    assert token is not None
    confirmed = optin.confirm_link(store, token.group(1), NOW + timedelta(hours=1))
    [row] = consent_register(store, confirmed.citizen_id)
    assert (row["purpose"], row["granted"], row["channel"], row["actor"]) == \
        ("liste:bulletin", True, "web", "api")
    assert row["wording"].startswith(WORDING) and "lien reçu par courriel" in row["wording"]
    with pytest.raises(optin.NotConfirmable):  # used once
        optin.confirm_link(store, token.group(1), NOW + timedelta(hours=1))


def test_sms_code_wrong_codes_and_expiry(store: Store) -> None:
    optin.ask(store, RULES, list_name="alertes", wording=WORDING, now=NOW, confirm_url=URL,
              phone="06 12 34 56 78")
    code = re.search(r"(\d{6})", _last(store).body)
    assert code is not None
    wrong = "000000" if code.group(1) != "000000" else "111111"
    with pytest.raises(optin.NotConfirmable):
        optin.confirm_code(store, "0612345678", wrong, NOW)
    assert find_citizen(store, phone="+33612345678") is None
    confirmed = optin.confirm_code(store, "0612345678", code.group(1), NOW)
    assert "code reçu par SMS" in consent_register(store, confirmed.citizen_id)[0]["wording"]
    optin.ask(store, RULES, list_name="travaux", wording=WORDING, now=NOW, confirm_url=URL,
              phone="0612345678")
    late = re.search(r"(\d{6})", _last(store).body)
    assert late is not None
    with pytest.raises(optin.NotConfirmable):
        optin.confirm_code(store, "0612345678", late.group(1), NOW + optin.VALID_FOR)


def test_bad_input_and_limits(store: Store) -> None:
    for kwargs, message in (({"phone": "12"}, "Numéro de téléphone invalide"),
                            ({"email": "x"}, "Adresse électronique invalide"),
                            ({}, "soit un numéro"),
                            ({"phone": "0612345678", "email": "a@b.fr"}, "soit un numéro")):
        with pytest.raises(InvalidInput, match=message):
            optin.ask(store, RULES, list_name="bulletin", wording=WORDING, now=NOW,
                      confirm_url=URL, **kwargs)
    with pytest.raises(InvalidInput, match="Liste inconnue"):
        optin.ask(store, RULES, list_name="nope", wording=WORDING, now=NOW, confirm_url=URL,
                  email="a@b.fr")
    for _ in range(optin.MAX_PER_DAY):
        optin.ask(store, RULES, list_name="bulletin", wording=WORDING, now=NOW,
                  confirm_url=URL, email="a@b.fr")
    with pytest.raises(optin.TooManyRequests):
        optin.ask(store, RULES, list_name="bulletin", wording=WORDING, now=NOW,
                  confirm_url=URL, email="a@b.fr")
