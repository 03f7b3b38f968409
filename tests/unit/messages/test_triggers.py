"""Messages the other capabilities trigger, on SQLite and PostgreSQL: an appointment
booked, moved, cancelled and reminded two days before at 9:00; a callback promised
or rescheduled; each once, and only with the citizen's consent."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from ivr.callbacks.repository import request_callback, reschedule
from ivr.messages.adapters.sender import Sender
from ivr.store import appointments as ap
from ivr.store.citizens import NewCitizen, ensure_citizen, record_consent
from ivr.store.db import Store
from ivr.store.message_chores import queue_due
from ivr.store.models import Message
from ivr.store.notifications import callback_phrase
from tests.fixtures.appointments import MONDAY_9H, PARIS, paris
from tests.fixtures.requests import RULES

PHONE = "+33612345678"
THURSDAY_9H = paris(2026, 12, 3, 9)


def _consenting(store: Store, phone: str = PHONE) -> int:
    citizen = ensure_citizen(store, phones=[phone])
    record_consent(store, citizen.id, purpose="notifications", granted=True,
                   at=MONDAY_9H - timedelta(days=1), channel="phone", wording="J'accepte.")
    return citizen.id


def _messages(store: Store) -> list[tuple[str | None, str]]:
    with store.session() as session:
        return [(m.template, m.body) for m in session.scalars(select(Message).order_by(Message.id))]


def _book(store: Store, start: datetime = THURSDAY_9H) -> ap.AppointmentView:
    booking = ap.Booking("titres-identite", start, "depot-cni", citizen=NewCitizen(phones=(PHONE,)))
    return ap.book(store, RULES, booking, at=MONDAY_9H, actor="test")


def test_an_appointment_booked_moved_and_cancelled_is_told(store: Store) -> None:
    _consenting(store)
    view = _book(store)
    ap.move(store, RULES, view.reference, THURSDAY_9H + timedelta(minutes=25), at=MONDAY_9H,
            actor="test")
    ap.cancel(store, RULES, view.reference, at=MONDAY_9H, actor="test")
    sent = _messages(store)
    assert [t for t, _ in sent] == ["rdv_pris", "rdv_pris", "rdv_annule"]
    assert "rendez-vous confirmé le jeudi 3 décembre à 9 heures" in sent[0][1]
    assert "jeudi 3 décembre à 9 heures 25" in sent[1][1]
    assert "rendez-vous du jeudi 3 décembre à 9 heures 25 est annulé" in sent[2][1]


def test_no_consent_no_message(store: Store) -> None:
    ensure_citizen(store, phones=[PHONE])
    _book(store)
    assert _messages(store) == []


def test_the_reminder_leaves_two_days_before_at_nine_once(store: Store) -> None:
    _consenting(store)
    _book(store)
    assert queue_due(store, RULES, paris(2026, 12, 1, 8, 59)) == 0
    assert queue_due(store, RULES, paris(2026, 12, 1, 9, 0)) == 1
    assert queue_due(store, RULES, paris(2026, 12, 1, 9, 1)) == 0  # never twice
    reminder = _messages(store)[-1]
    assert reminder == ("rdv_rappel", "Mairie de Villebourg : rappel de votre rendez-vous le "
                                      "jeudi 3 décembre à 9 heures.")


def test_a_promised_callback_is_confirmed_once_and_again_when_moved(store: Store) -> None:
    _consenting(store)
    now = MONDAY_9H.astimezone(UTC)
    with store.session() as session:
        callback = request_callback(session, None, PHONE, "accueil", now + timedelta(hours=2),
                                    None, now=now)
        callback_id = callback.id
        request_callback(session, None, "+33699999999", "accueil", now, None, now=now)
    assert queue_due(store, RULES, now) == 1  # the unknown number gets nothing
    assert queue_due(store, RULES, now) == 0
    with store.session() as session:
        reschedule(session, callback_id, now + timedelta(days=1), None, now)
    assert queue_due(store, RULES, now) == 1
    texts = [body for template, body in _messages(store) if template == "rappel_programme"]
    assert texts == ["Mairie de Villebourg : un agent vous rappellera à partir du lundi "
                     "30 novembre à 11 heures.",
                     "Mairie de Villebourg : un agent vous rappellera à partir du mardi "
                     "1er décembre à 9 heures."]


def test_callback_phrase() -> None:
    now = MONDAY_9H
    assert callback_phrase(None, now, PARIS) == "dans les prochaines minutes"
    assert callback_phrase(now + timedelta(minutes=5), now, PARIS) == \
        "dans les prochaines minutes"


class _Nothing:
    async def send(self, message: object) -> object:
        raise AssertionError("nothing to send")


def test_the_sender_runs_its_chore_once_a_minute(store: Store) -> None:
    ticks: list[datetime] = []
    clock = [MONDAY_9H]
    sender = Sender(store, {}, "w", lambda: clock[0],
                    chore=lambda now: ticks.append(now) or 0)
    for step in (0, 30, 61, 62):
        clock[0] = MONDAY_9H + timedelta(seconds=step)
        asyncio.run(sender.tick())
    assert ticks == [MONDAY_9H, MONDAY_9H + timedelta(seconds=61)]


def test_the_procedure_link_is_queued_at_once_even_at_night(store: Store) -> None:
    from ivr.flow.procedures import SendProcedureLink
    from ivr.store.notifications import send_procedure_link

    night = paris(2026, 12, 1, 22)
    query = SendProcedureLink(PHONE, "creche", "https://www.villebourg.fr/demarches/creche",
                              "Mairie de Villebourg", "call-9", night)
    assert send_procedure_link(store, query) is True
    with store.session() as session:
        [row] = session.scalars(select(Message))
        assert (row.channel, row.recipient, row.next_attempt_at, row.template) == \
            ("sms", PHONE, None, "lien_demarche")
        assert row.body.endswith("https://www.villebourg.fr/demarches/creche")
