"""E-mail end to end through a real SMTP server: a status change reaches the mailbox
with the reference in the subject, a Message-ID and a reply address; a relay that is
down delays the message without losing or doubling it; a refused address marks the
message failed and the SMS goes instead. On SQLite and PostgreSQL (``store``)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from ivr.messages.adapters.sender import Sender
from ivr.messages.adapters.smtp import SmtpConfig, SmtpGateway
from ivr.messages.sending import Gateway, Outgoing, Result, Sent
from ivr.store.citizens import ensure_citizen, record_consent
from ivr.store.db import Store
from ivr.store.models import Message, MessagePreference
from ivr.store.requests import change_status, create_request
from tests.fixtures.requests import RULES
from townhall_support.ports import free_port
from townhall_support.smtp import smtp_server

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


class Phones:
    """Stands for Kannel here: the SMS side is tested against Kannel elsewhere."""

    def __init__(self) -> None:
        self.sent: list[Outgoing] = []

    async def send(self, message: Outgoing) -> Result:
        self.sent.append(message)
        return Sent(message.attempt_id)


def _citizen(store: Store, email: str) -> int:
    citizen = ensure_citizen(store, name="Alice", phones=["+33612345678"], emails=[email])
    record_consent(store, citizen.id, purpose="notifications", granted=True, at=NOW,
                   channel="web", wording="J'accepte d'être informée par courriel.")
    with store.session() as session:
        session.add(MessagePreference(citizen_id=citizen.id, channel="email"))
    return citizen.id


def _sender(store: Store, port: int, now: list[datetime], sms: Gateway) -> Sender:
    config = SmtpConfig("127.0.0.1", port, "mairie@villebourg.fr", "Mairie de Villebourg",
                        "accueil@villebourg.fr", timeout=5)
    return Sender(store, {"email": SmtpGateway(config, lambda: now[0]), "sms": sms}, "test",
                  lambda: now[0])


async def _drain(sender: Sender) -> None:
    while await sender.tick():
        pass


def test_status_change_by_email_and_a_relay_outage(store: Store) -> None:
    citizen = _citizen(store, "alice@example.org")
    request = create_request(store, RULES, type_id="acte-deces", at=NOW, actor="t",
                             citizen_id=citizen)
    change_status(store, RULES, request.reference, "envoyee", actor="agent", at=NOW)
    port, now, phones = free_port(), [NOW], Phones()
    sender = _sender(store, port, now, phones)
    asyncio.run(_drain(sender))  # the relay is down: both wait
    with store.session() as session:
        states = list(session.scalars(select(Message.state)))
    assert states == ["pending", "pending"]
    with smtp_server(port) as relay:
        now[0] = NOW + timedelta(minutes=1)
        asyncio.run(_drain(sender))
        asyncio.run(_drain(sender))  # nothing left to send twice
    assert len(relay.received) == 2 and phones.sent == []
    # the acknowledgement and the status change, in either order (same instant)
    status = next(m for m in relay.received if "Votre demande :" in m["Subject"])
    spaced = " ".join(request.reference[i:i + 2] for i in range(0, 10, 2))
    assert status["Subject"].startswith(f"[Réf {spaced}] Votre demande : Envoyée")
    assert status["Reply-To"] == "accueil@villebourg.fr"
    assert status["Message-ID"].endswith("@villebourg.fr>")
    assert "maintenant à l'étape : Envoyée" in status.get_content()
    with store.session() as session:
        assert list(session.scalars(select(Message.state))) == ["sent", "sent"]


def test_a_refused_address_falls_back_to_sms(store: Store) -> None:
    citizen = _citizen(store, "nobody@example.org")
    create_request(store, RULES, type_id="acte-deces", at=NOW, actor="t", citizen_id=citizen)
    phones = Phones()
    with smtp_server() as relay:
        relay.refused.add("nobody@example.org")
        asyncio.run(_drain(_sender(store, relay.port, [NOW], phones)))
    with store.session() as session:
        email, sms = session.scalars(select(Message).order_by(Message.id))
    assert (email.state, sms.state, sms.fallback_of) == ("failed", "sent", email.id)
    assert "Mailbox unknown" in (email.reason or "")
    assert [m.recipient for m in phones.sent] == ["+33612345678"]
