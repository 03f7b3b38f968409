"""The survey by an SMS link: sent once after the call, answered once on the public page."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from ivr.marianne.months import Month
from ivr.store.db import Store
from ivr.store.marianne import month_board
from ivr.store.models import Contact, ContactEvent, Message, Survey
from ivr.store.survey_links import send_links
from tests.fixtures.admin import NOW
from tests.fixtures.requests import PARIS

pytestmark = pytest.mark.pg
T = datetime.fromisoformat(NOW)
URL = "https://mairie.example.org"


def _call(store: Store, kind: str | None, outcome: str | None = "answered",
          caller: str = "0612345678", ended: bool = True) -> int:
    with store.session() as session:
        contact = Contact(started_at=T - timedelta(minutes=10), caller=caller, channel="phone",
                          direction="inbound", outcome=outcome, target="etat-civil",
                          agent="agent-ec", ended_at=T - timedelta(minutes=5) if ended else None)
        session.add(contact)
        session.flush()
        if kind:
            session.add(ContactEvent(contact_id=contact.id, seq=1, at=contact.started_at,
                                     kind=kind))
        return contact.id


def _send(store: Store, at: datetime = T) -> list[int]:
    return send_links(store, public_url=URL, town="Villebourg", zone="Europe/Paris", now=at)


def _token(store: Store) -> str:
    with store.session() as session:
        return session.scalars(select(Survey.token).where(Survey.token.is_not(None))).one()


def test_one_link_per_call_that_chose_it_and_ended(store: Store) -> None:
    chose = _call(store, "survey_by_sms")
    _call(store, "survey_by_phone", caller="0611111111")  # answered by phone, not texted
    _call(store, "survey_by_sms", outcome="abandoned_queue", caller="0622222222")
    _call(store, "survey_by_sms", ended=False, caller="0633333333")  # still talking
    _call(store, None, caller="0644444444")
    assert _send(store) == [chose]
    assert _send(store, T + timedelta(minutes=5)) == []  # once
    with store.session() as session:
        [sms] = session.scalars(select(Message)).all()
        survey = session.scalars(select(Survey)).one()
    assert (sms.channel, sms.recipient, sms.purpose) == ("sms", "+33612345678", "enquete")
    assert f"{URL}/public/avis/{survey.token}" in sms.body
    assert (survey.contact_id, survey.channel, survey.department, survey.agent,
            survey.satisfaction) == (chose, "web", "etat-civil", "agent-ec", None)


def test_a_number_surveyed_this_week_gets_no_link(store: Store) -> None:
    with store.session() as session:
        session.add(Survey(at=T - timedelta(days=2), caller="0612345678", satisfaction=4))
    _call(store, "survey_by_sms")
    assert _send(store) == []


def test_the_public_page_records_the_answers_once(client: FlaskClient, store: Store) -> None:
    _call(store, "survey_by_sms")
    _send(store)
    token = _token(store)
    page = client.get(f"/public/avis/{token}")
    assert page.status_code == 200 and "Globalement, êtes-vous satisfait" in page.text
    assert "0612345678" not in page.text and "Se déconnecter" not in page.text
    done = client.post(f"/public/avis/{token}", data={"satisfaction": "4", "got_answer": "oui"})
    assert done.status_code == 200 and "Merci pour votre réponse" in done.text
    with store.session() as session:
        survey = session.scalars(select(Survey)).one()
    assert (survey.satisfaction, survey.got_answer) == (4, True)
    again = client.post(f"/public/avis/{token}", data={"satisfaction": "1"})
    assert again.status_code == 409 and "déjà répondu" in again.text
    board, _ = month_board(store, Month.of(T, PARIS), PARIS, T)
    assert (board.satisfaction.responses, board.satisfaction.mean) == (1, 4.0)


@pytest.mark.parametrize("form", [{}, {"satisfaction": "6"}, {"satisfaction": "cinq"},
                                  {"satisfaction": "3", "got_answer": "peut-être"}])
def test_bad_answers_are_a_french_400_and_record_nothing(client: FlaskClient, store: Store,
                                                          form: dict[str, str]) -> None:
    _call(store, "survey_by_sms")
    _send(store)
    response = client.post(f"/public/avis/{_token(store)}", data=form)
    assert response.status_code == 400 and ("note de 1" in response.text
                                             or "« oui » ou « non »" in response.text)
    with store.session() as session:
        assert session.scalars(select(Survey.satisfaction)).one() is None


def test_unknown_and_expired_links(client: FlaskClient, store: Store) -> None:
    assert client.get("/public/avis/nimporte-quoi").status_code == 404
    _call(store, "survey_by_sms")
    _send(store, T - timedelta(days=15) + timedelta(minutes=20))
    expired = client.get(f"/public/avis/{_token(store)}")
    assert expired.status_code == 410 and "expiré" in expired.text
