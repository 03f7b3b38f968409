"""Messages from the phone on the real stack (Asterisk, the IVR process, SIPp, the store):
a caller subscribes to the bulletin by keypad and the consent is kept with its proof
(the sentence played, the key, the call); a caller asks for a procedure's link and the
SMS is queued in the outbox to their number."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from ivr.sipp.scenario import Dtmf, Wait
from ivr.store.citizens import find_citizen
from ivr.store.db import Store
from ivr.store.models import Message
from ivr.store.subscriptions import consent_register
from townhall_support.stack import Stack
from townhall_support.wait import eventually

pytestmark = pytest.mark.e2e
CALLER, E164 = "0611223399", "+33611223399"


@pytest.fixture(scope="module")
def store(stack: Stack) -> Iterator[Store]:
    opened = Store(stack.settings.db_url)
    yield opened
    opened.dispose()


def test_a_phone_subscription_records_the_consent_with_its_proof(live: Stack,
                                                                  store: Store) -> None:
    """Menus 5 (autres démarches), 3 (vie municipale), 4 (abonnements); 1 confirms the
    number; list 3 (bulletin, lists in name order); 1 accepts the sentence; # ends."""
    steps = [Wait(1.5), Dtmf("534"), Wait(3), Dtmf("1"), Wait(4), Dtmf("3"), Wait(3),
             Dtmf("1"), Wait(5), Dtmf("#"), Wait(2)]
    result = live.call(steps=steps, hold_seconds=2, caller=CALLER)
    assert result.answered
    contact = live.contact(result.ref, wait=20, until=lambda c: any(
        e["kind"] == "subscriptions_done" for e in c["events"]))
    assert contact is not None, live.app_log()
    citizen = eventually(lambda: find_citizen(store, phone=E164), 10)
    assert citizen is not None, (contact, live.app_log())
    [consent] = consent_register(store, citizen.id)
    assert (consent["purpose"], consent["granted"], consent["channel"], consent["actor"]) == \
        ("liste:bulletin", True, "phone", "ivr")
    assert consent["wording"].startswith("En tapant 1, vous acceptez de recevoir par SMS "
                                         "les messages de la liste « Bulletin municipal »")
    assert f"[touche 1, appel {contact['call_id']}]" in consent["wording"]


def test_the_link_of_a_procedure_is_sent_by_sms(live: Stack, store: Store) -> None:
    """Menus 3 (familles), 3 (inscription scolaire), then 1: the link by SMS."""
    steps = [Wait(1.5), Dtmf("33"), Wait(4), Dtmf("1"), Wait(4)]
    result = live.call(steps=steps, hold_seconds=2, caller=CALLER)
    assert result.answered

    def queued() -> Message | None:
        with store.session() as session:
            row = session.scalars(select(Message).where(
                Message.template == "lien_demarche")).first()
            if row is not None:
                session.expunge(row)
            return row

    message = eventually(queued, 20)
    assert message is not None, live.app_log()
    assert (message.channel, message.recipient) == ("sms", E164)
    assert message.body.endswith("https://www.villebourg.fr/demarches/inscription-scolaire")
    contact = live.contact(result.ref, wait=10, until=lambda c: any(
        e["kind"] == "procedure_link_sent" for e in c["events"]))
    assert contact is not None and contact["outcome"] == "self_service", live.app_log()
