"""SMS end to end through Kannel (bearerbox + smsbox + fakesmsc) and the admin's callbacks.

A status change reaches the fake SMSC with the right text and its delivery report
marks it delivered; « STOP » from a subscriber withdraws their subscriptions; Kannel
stopped (SIGTERM or SIGKILL) in the middle of a burst: every SMS reaches fakesmsc
exactly once and ends delivered.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from admin import create_app
from ivr.messages.adapters.kannel import KannelConfig, KannelGateway
from ivr.messages.adapters.sender import Sender, SenderConfig
from ivr.messages.adapters.wiring import sms_callback_url
from ivr.messages.resend import ResendPolicy
from ivr.settings import Settings
from ivr.store import messages as outbox
from ivr.store.citizens import ensure_citizen, get_citizen, record_consent
from ivr.store.db import Store
from ivr.store.models import ContactEvent, Message
from ivr.store.requests import change_status, create_request
from tests.fixtures.browser import served
from tests.fixtures.requests import RULES
from townhall_support.kannel import Kannel, Sms, available, running_kannel
from townhall_support.wait import eventually

pytestmark = pytest.mark.skipif(not available(), reason="kannel and kannel-extras not installed")
PHONE = "+33612345678"


@dataclass
class World:
    store: Store
    settings: Settings
    kannel: Kannel
    shift: list[timedelta]
    frozen: list[datetime | None]

    def now(self) -> datetime:
        """The sender's clock: real time shifted, or frozen at an instant."""
        return self.frozen[0] or datetime.now(UTC) + self.shift[0]

    def sender(self, config: SenderConfig | None = None) -> Sender:
        gateway = KannelGateway(KannelConfig(self.kannel.sendsms_url, "townhall", "kannel-test",
                                             "Mairie", sms_callback_url(self.settings, "dlr"),
                                             status_url=self.kannel.status_url))
        return Sender(self.store, {"sms": gateway}, "test", self.now, config)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    home = tmp_path_factory.mktemp("messages")
    store = Store(f"sqlite:///{home / 'townhall.db'}")
    store.migrate()
    settings = Settings.from_env({"TOWNHALL_HOME": str(home),
                                  "TOWNHALL_RULES": str(Path("routing_rules.yaml").absolute())})
    app = create_app(settings, {"TESTING": True, "STORE": store, "AMI_ENABLED": False})
    with served(app) as base:
        settings = settings.with_(public_url=base)
        with running_kannel(home, sms_callback_url(settings, "incoming")) as kannel:
            yield World(store, settings, kannel, [timedelta(0)], [None])
    store.dispose()


def _state(store: Store, message_id: int) -> str:
    with store.session() as session:
        return session.get_one(Message, message_id).state


def test_status_change_reaches_the_phone_and_is_delivered(world: World) -> None:
    citizen = ensure_citizen(world.store, name="Alice Martin", phones=[PHONE])
    record_consent(world.store, citizen.id, purpose="notifications", granted=True,
                   at=world.now(), channel="phone", wording="J'accepte d'être informée.")
    at = datetime(2026, 12, 1, 10, tzinfo=UTC)
    request = create_request(world.store, RULES, type_id="acte-deces", at=at, actor="test",
                             citizen_id=citizen.id)
    change_status(world.store, RULES, request.reference, "envoyee", actor="agent", at=at)
    world.shift[0] = at - datetime.now(UTC) + timedelta(minutes=1)  # town hours, not night
    assert asyncio.run(world.sender().tick()) == 2
    assert eventually(lambda: len(world.kannel.received) >= 2, 10), "two SMS at the fake SMSC"
    texts = [sms.text for sms in world.kannel.received]
    spaced = " ".join(request.reference[i:i + 2] for i in range(0, 10, 2))
    assert any("enregistrée" in t and spaced in t for t in texts)
    assert any(f"demande {spaced} (Copie ou extrait d'acte de décès) est maintenant : Envoyée"
               in t for t in texts)
    assert {sms.to for sms in world.kannel.received} == {PHONE}
    with world.store.session() as session:
        ids = list(session.scalars(select(Message.id).where(Message.recipient == PHONE)))
    delivered = eventually(lambda: all(_state(world.store, i) == "delivered" for i in ids), 10)
    assert delivered, "the delivery reports"


def test_stop_from_a_subscriber_unsubscribes_them(world: World) -> None:
    number = "+33698765432"
    citizen = ensure_citizen(world.store, phones=[number])
    for name in ("bulletin", "travaux"):
        record_consent(world.store, citizen.id, purpose=f"liste:{name}", granted=True,
                       at=datetime.now(UTC) - timedelta(minutes=1), channel="web",
                       wording="Je m'abonne.")  # before the admin's clock reads the STOP
    world.kannel.send_mo(number, "36000", "Stop")

    def withdrawn() -> bool:
        consents = {c.purpose: c for c in get_citizen(world.store, citizen.id).consents}
        return not consents["liste:bulletin"].granted and not consents["liste:travaux"].granted

    assert eventually(withdrawn, 10), "the subscriptions withdrawn"
    proof = {c.purpose: c for c in get_citizen(world.store, citizen.id).consents}
    assert proof["liste:bulletin"].channel == "sms"
    assert "Stop" in proof["liste:bulletin"].wording
    with world.store.session() as session:
        confirmation = session.scalars(select(Message).where(
            Message.recipient == number, Message.template == "desinscription")).one()
    assert "Bulletin municipal, Travaux" in confirmation.body


@pytest.mark.parametrize(("text", "coding", "parts"), [
    ("Votre carte d'identité est arrivée à la mairie de Villebourg. " * 3, "text", 2),
    ("Votre titre est prêt : présentez-vous à l'accueil, côté œuvres sociales. " * 2,
     "ucs-2", 3),
])
def test_long_texts_and_accents_arrive_whole(world: World, text: str, coding: str,
                                              parts: int) -> None:
    """GSM 7-bit (é, à) or UCS-2 (ê, ô, œ are not in the GSM alphabet), in several parts
    that the phone joins (UDH): fakesmsc gets them whole and the right coding."""
    with world.store.session() as session:
        outbox.enqueue(session, channel="sms", recipient=PHONE, body=text.strip(),
                       purpose="direct", now=world.now())
    assert asyncio.run(world.sender().tick()) >= 1

    def arrived() -> list[Sms]:
        return [s for s in world.kannel.received if s.text == text.strip()]

    (sms,) = eventually(arrived, 10)
    assert (sms.coding, sms.parts) == (coding, parts)


async def until(probe: Callable[[], bool], timeout: float) -> bool:
    """``eventually`` for a test that keeps the sender's event loop running meanwhile."""
    deadline = time.monotonic() + timeout
    while not probe():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.1)
    return True


def _states(store: Store, tag: str) -> Counter[str]:
    with store.session() as session:
        return Counter(session.scalars(select(Message.state).where(
            Message.body.like(f"{tag} %"))))


async def _outage(world: World, sender: Sender, tag: str, burst: int, kill: bool) -> None:
    """The sender runs on the real clock; Kannel stops once a quarter of the burst reached
    fakesmsc, and starts again once the sender met it closed (at most 10 s)."""
    def arrived() -> int:
        return sum(1 for s in world.kannel.received if s.text.startswith(tag))

    def refused() -> bool:
        with world.store.session() as session:
            return bool(session.scalar(select(func.count()).where(
                Message.body.like(f"{tag} %"), Message.reason.like("%injoignable%"))))

    task = asyncio.create_task(sender.run_forever(0.1))
    try:
        assert await until(lambda: arrived() >= burst // 4, 20), "the burst under way"
        await asyncio.to_thread(world.kannel.stop_boxes, kill)
        await until(refused, 10)
        await asyncio.to_thread(world.kannel.start)
        assert await until(lambda: _states(world.store, tag)["delivered"] == burst, 45), \
            _states(world.store, tag)
        # a report leaves bearerbox as it writes to fakesmsc, which may print a bit later
        await until(lambda: arrived() >= burst, 10)
    finally:
        task.cancel()


@pytest.mark.parametrize("kill", [False, True], ids=["sigterm", "sigkill"])
def test_kannel_stopped_mid_burst_every_sms_arrives_once_and_is_delivered(
        world: World, kill: bool) -> None:
    """Kannel (smsbox and bearerbox, not the operator's fakesmsc) stopped in the middle of
    a burst, gracefully or killed: the requests in flight get no answer (``unknown``),
    those after it are refused (retried after the backoff), Kannel replays its store;
    the doubtful ones without any report are resent once Kannel is back and empty."""
    burst, tag = 40, "kill" if kill else "term"
    world.frozen[0], world.shift[0] = None, timedelta(0)
    with world.store.session() as session:
        for n in range(burst):
            outbox.enqueue(session, channel="sms", recipient=PHONE, body=f"{tag} {n:02d}",
                           purpose="direct", now=world.now())
    config = SenderConfig(batch=8, parallel=4, resend=ResendPolicy(
        wait=timedelta(seconds=2), probe_every=timedelta(seconds=0.5)))
    asyncio.run(_outage(world, world.sender(config), tag, burst, kill))
    texts = Counter(s.text for s in world.kannel.received if s.text.startswith(tag))
    assert texts == Counter(f"{tag} {n:02d}" for n in range(burst))  # each exactly once
    with world.store.session() as session:  # how the outage hit the burst (-s shows it)
        events = Counter(session.scalars(select(ContactEvent.kind).join(
            Message, Message.contact_id == ContactEvent.contact_id).where(
            Message.body.like(f"{tag} %"))))
    print(f"{tag}: {dict(events)}")
