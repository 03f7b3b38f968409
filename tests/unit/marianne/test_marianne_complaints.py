"""Complaints: both deadlines, acknowledgement, closing only with an answer, escalation."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from ivr.requests.errors import InvalidInput
from ivr.store import requests as repo
from ivr.store.citizens import NewCitizen
from ivr.store.complaints import TO_SEND, acknowledge, answer, escalate_late
from ivr.store.db import Store
from ivr.store.models import Contact, Message
from tests.fixtures.requests import PARIS, RULES, at

pytestmark = pytest.mark.pg
MONDAY = date(2026, 11, 2)
BOTH = NewCitizen(phones=("0612345678",), emails=("usager@example.org",))


def complaint(store: Store, channel: str = "email", citizen: NewCitizen | None = None) -> str:
    return repo.create_request(store, RULES, type_id="reclamation", at=at(MONDAY), actor="t",
                               channel=channel, citizen=citizen).reference


def test_a_complaint_has_both_deadlines(store: Store) -> None:
    view = repo.get_request(store, complaint(store))
    # 5 working days → Monday 9; 10 → Tuesday 17 (Wednesday 11 is a holiday)
    assert view.acknowledge_due_at == datetime(2026, 11, 9, 23, 59, 59, tzinfo=PARIS)
    assert view.due_at == datetime(2026, 11, 17, 23, 59, 59, tzinfo=PARIS)
    other = repo.create_request(store, RULES, type_id="acte-deces", at=at(MONDAY), actor="t")
    assert other.acknowledge_due_at is None


def test_acknowledged_once_and_sent_with_the_answer_deadline(store: Store) -> None:
    reference = complaint(store, citizen=BOTH)
    acknowledge(store, RULES, reference, actor="agent", at=at(date(2026, 11, 3)))
    again = acknowledge(store, RULES, reference, actor="agent", at=at(date(2026, 11, 4)))
    assert again.acknowledged_at == at(date(2026, 11, 3))
    kinds = [e.kind for e in repo.get_request(store, reference).events]
    assert kinds == ["created", "acknowledged"]
    with store.session() as session:
        [sent] = session.scalars(select(Message).where(Message.request_id == again.id)).all()
    assert (sent.channel, sent.recipient) == ("email", "usager@example.org")
    assert sent.subject == "Accusé de réception de votre réclamation"
    assert "répondrons au plus tard le mardi 17 novembre" in sent.body
    assert " ".join(reference[i:i + 2] for i in range(0, 10, 2)) in sent.body


def test_closed_only_with_an_answer_sent_by_the_citizen_channel(store: Store) -> None:
    reference = complaint(store, channel="email", citizen=BOTH)
    with pytest.raises(InvalidInput, match="Répondre"):
        repo.change_status(store, RULES, reference, "repondue", actor="t", at=at(MONDAY))
    with pytest.raises(InvalidInput, match="obligatoire"):
        answer(store, RULES, reference, text="   ", actor="t", at=at(MONDAY))
    assert repo.get_request(store, reference).closed_at is None
    done = answer(store, RULES, reference, text="Le trottoir a été réparé.", actor="t",
                  at=at(date(2026, 11, 5)))
    assert (done.status, done.answer) == ("repondue", "Le trottoir a été réparé.")
    assert done.closed_at == at(date(2026, 11, 5)) == done.acknowledged_at
    with store.session() as session:
        [sent] = session.scalars(select(Message).where(Message.request_id == done.id)).all()
        assert (sent.channel, sent.recipient, sent.body, sent.state, sent.purpose) == (
            "email", "usager@example.org", "Le trottoir a été réparé.", "pending", "reponse")
        assert sent.subject == "Réponse à votre réclamation"
        assert [a["channel"] for a in sent.alternates or []] == ["sms"]
        contact = session.get(Contact, sent.contact_id)
        assert contact is not None and (contact.direction, contact.request_id) == (
            "outbound", done.id)


@pytest.mark.parametrize(("channel", "citizen", "sent_on"), [
    ("phone", BOTH, ("sms", "+33612345678")),
    ("web", NewCitizen(phones=("0612345678",)), ("sms", "+33612345678")),
    ("counter", None, None),
])
def test_the_answer_goes_back_by_the_channel_used(store: Store, channel: str,
                                                   citizen: NewCitizen | None,
                                                   sent_on: tuple[str, str] | None) -> None:
    done = answer(store, RULES, complaint(store, channel, citizen), text="Réparé.", actor="t",
                  at=at(date(2026, 11, 5)))
    with store.session() as session:
        queued = session.execute(select(Message.channel, Message.recipient)
                                 .where(Message.request_id == done.id)).tuples().all()
        posts = session.scalars(select(Contact.subject).where(
            Contact.request_id == done.id, Contact.direction == "outbound")).all()
    assert queued == ([sent_on] if sent_on else [])
    if sent_on is None:  # no number, no address: by post, said so in the timeline
        assert [s for s in posts if s and s.startswith(f"{TO_SEND} par courrier")]


def test_late_complaints_are_escalated_once(store: Store) -> None:
    unacknowledged = complaint(store)
    acknowledged = complaint(store)
    acknowledge(store, RULES, acknowledged, actor="t", at=at(date(2026, 11, 3)))
    answered = complaint(store)
    answer(store, RULES, answered, text="Réponse.", actor="t", at=at(date(2026, 11, 3)))
    assert escalate_late(store, now=at(date(2026, 11, 9), 20)) == []  # nothing due yet
    assert escalate_late(store, now=at(date(2026, 11, 10))) == [unacknowledged]
    assert escalate_late(store, now=at(date(2026, 11, 12))) == []  # not twice
    assert escalate_late(store, now=at(date(2026, 11, 18))) == [acknowledged]  # answer late
    view = repo.get_request(store, unacknowledged)
    assert view.escalated_at == at(date(2026, 11, 10))
    last = view.events[-1]
    assert (last.kind, last.actor) == ("escalated", "ivr")
    assert last.note is not None and "accusé de réception" in last.note
