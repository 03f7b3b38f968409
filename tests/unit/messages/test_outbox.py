"""The outbox and notifications on SQLite and PostgreSQL: claim once, retry, fall back,
delivery reports, consent, incoming SMS."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import Message as Message_
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path

import pytest
from sqlalchemy import select

from ivr.messages.mail import parse_mail
from ivr.messages.resend import ResendPolicy
from ivr.messages.sending import DLR_SMSC_REJECT, dlr_outcome
from ivr.store import messages as outbox
from ivr.store.citizens import ensure_citizen, get_citizen, record_consent
from ivr.store.db import Store
from ivr.store.inbound import receive_email, receive_sms
from ivr.store.models import Contact, ContactEvent, Message, MessagePreference, Request
from ivr.store.requests import change_status, create_request, get_request
from tests.fixtures.requests import RULES

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # 10:00 in Paris: not quiet hours
PHONE, EMAIL = "+33612345678", "alice@example.org"


def _citizen(store: Store, consent: bool = True, prefer: str | None = None) -> int:
    citizen = ensure_citizen(store, name="Alice", phones=[PHONE], emails=[EMAIL])
    if consent:
        record_consent(store, citizen.id, purpose="notifications", granted=True, at=NOW,
                       channel="phone", wording="J'accepte.")
    if prefer:
        with store.session() as session:
            session.add(MessagePreference(citizen_id=citizen.id, channel=prefer))
    return citizen.id


def _messages(store: Store) -> list[Message]:
    with store.session() as session:
        return list(session.scalars(select(Message).order_by(Message.id)))


def test_request_events_queue_notifications_only_with_consent(store: Store) -> None:
    silent = ensure_citizen(store, phones=["+33698765432"]).id
    create_request(store, RULES, type_id="acte-deces", at=NOW, actor="t", citizen_id=silent)
    assert _messages(store) == []
    citizen = _citizen(store, prefer="email")
    request = create_request(store, RULES, type_id="acte-deces", at=NOW, actor="t",
                             citizen_id=citizen)
    change_status(store, RULES, request.reference, "envoyee", actor="agent", at=NOW)
    created, changed = _messages(store)
    assert (created.channel, created.recipient, created.template) == \
        ("email", EMAIL, "demande_creee")
    assert changed.subject == "Votre demande : Envoyée" and changed.alternates is not None
    assert changed.alternates[0]["channel"] == "sms"
    timeline = get_request(store, request.reference)
    with store.session() as session:
        contacts = list(session.scalars(select(Contact).where(
            Contact.request_id == timeline.id, Contact.channel == "email")))
    assert [c.direction for c in contacts] == ["outbound", "outbound"]


def test_night_notifications_wait_for_the_morning(store: Store) -> None:
    citizen = _citizen(store)
    night = datetime(2026, 12, 1, 22, 0, tzinfo=UTC)  # 23:00 in Paris
    create_request(store, RULES, type_id="acte-deces", at=night, actor="t", citizen_id=citizen)
    (message,) = _messages(store)
    assert message.next_attempt_at == datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
    with store.session() as session:
        assert outbox.claim_due(session, night, "w", 10, 60) == []


def test_claim_is_exactly_once_and_records_the_attempt_first(store: Store) -> None:
    with store.session() as session:
        for n in range(5):
            outbox.enqueue(session, channel="sms", recipient=PHONE, body=f"m{n}",
                           purpose="direct", now=NOW)
    with store.session() as session:
        first = outbox.claim_due(session, NOW, "a", 3, 60)
    with store.session() as session:
        second = outbox.claim_due(session, NOW, "b", 10, 60)
    assert len(first) == 3 and len(second) == 2
    assert {m.id for m in first}.isdisjoint(m.id for m in second)
    assert all(m.state == "sending" and m.attempt_id and m.attempts == 1 for m in first)
    with store.session() as session:  # the lease runs out mid-send: never resent by itself
        lost = outbox.release_expired(session, NOW + timedelta(minutes=2))
        assert outbox.claim_due(session, NOW + timedelta(minutes=2), "c", 10, 60) == []
    assert {m.state for m in lost} == {"unknown"}


def test_retry_backoff_then_failure_falls_back_to_the_next_channel(store: Store) -> None:
    citizen = _citizen(store)
    create_request(store, RULES, type_id="acte-deces", at=NOW, actor="t", citizen_id=citizen)
    with store.session() as session:
        (row,) = outbox.claim_due(session, NOW, "w", 10, 60)
        outbox.retry_later(session, {row.attempt_id or "": "passerelle injoignable"}, NOW)
    with store.session() as session:
        assert outbox.claim_due(session, NOW + timedelta(seconds=4), "w", 10, 60) == []
        (again,) = outbox.claim_due(session, NOW + timedelta(seconds=5), "w", 10, 60)
        assert again.attempts == 2 and again.attempt_id != row.attempt_id
        outbox.fail(session, again.id, "numéro inconnu", NOW, expected_state="sending")
    sms, email = _messages(store)
    assert (sms.state, sms.reason) == ("failed", "numéro inconnu")
    assert (email.channel, email.state, email.fallback_of) == ("email", "pending", sms.id)


def test_delivery_reports(store: Store) -> None:
    with store.session() as session:
        outbox.enqueue(session, channel="sms", recipient=PHONE, body="x", purpose="direct",
                       now=NOW)
        (row,) = outbox.claim_due(session, NOW, "w", 10, 60)
        (sent,) = outbox.mark_sent(session, {row.attempt_id or "": "k1"}, NOW)
        assert (sent.state, sent.external_id) == ("sent", "k1")
        assert outbox.delivery_report(session, row.id, "other-attempt", "delivered", "",
                                      NOW) is None
        done = outbox.delivery_report(session, row.id, row.attempt_id or "", "delivered",
                                      "rapport 1", NOW)
        assert done is not None and done.state == "delivered"
        contact = session.get_one(Contact, row.contact_id)
        assert contact.outcome == "delivered" and contact.channel == "sms"


def test_incoming_sms(store: Store) -> None:
    citizen = _citizen(store, consent=False)
    request = create_request(store, RULES, type_id="acte-deces", at=NOW, actor="t",
                             citizen_id=citizen)
    spaced = " ".join(request.reference[i:i + 2] for i in range(0, 10, 2))
    linked = receive_sms(store, RULES, sender="0612345678", text=f"Où en est {spaced} ?",
                         at=NOW)
    assert (linked.intent, linked.reference) == ("reference", request.reference)
    other = receive_sms(store, RULES, sender=PHONE, text="Bonjour, la piscine ouvre quand ?",
                        at=NOW)
    assert other.intent == "other" and other.reference is not None
    with store.session() as session:
        opened = session.scalars(select(Request).where(
            Request.reference == other.reference)).one()
        assert (opened.type, opened.department, opened.channel) == \
            ("demande-information", "accueil", "sms")
    for sender, text in (("MAIRIE", "Bonjour"), (PHONE, "STOP\x00\x01")):
        odd = receive_sms(store, RULES, sender=sender, text=text, at=NOW)
        assert odd.intent == "malformed"
        with store.session() as session:
            kept = session.get_one(Contact, odd.contact_id)
            assert (kept.outcome, kept.body) == ("malformed", text.replace("\x00\x01", ""))
    assert not get_citizen(store, citizen).consents  # nothing else changed


@pytest.mark.parametrize("word", ["STOP", "arrêt"])
def test_stop_without_subscriptions_changes_nothing(store: Store, word: str) -> None:
    citizen = _citizen(store, consent=False)
    received = receive_sms(store, RULES, sender=PHONE, text=word, at=NOW)
    assert (received.intent, received.unsubscribed) == ("stop", ())
    assert get_citizen(store, citizen).consents == ()


def test_subscriptions_counts_and_register(store: Store) -> None:
    from ivr.requests.errors import InvalidInput
    from ivr.store.subscriptions import consent_register, lists, set_subscription, subscribers

    alice = _citizen(store, consent=False)
    bob = ensure_citizen(store, phones=["+33698765432"]).id
    for who in (alice, bob):
        set_subscription(store, who, "bulletin", subscribed=True, at=NOW, channel="phone",
                         wording="Je souhaite recevoir le bulletin municipal.", actor="ivr")
    set_subscription(store, bob, "bulletin", subscribed=False, at=NOW + timedelta(hours=1),
                     channel="counter", wording="Désinscription au guichet.", actor="agent1")
    counts = {item.name: item.subscribers for item in lists(store)}
    assert counts == {"action-sociale": 0, "alertes": 0, "bulletin": 1, "travaux": 0}
    assert subscribers(store, "bulletin") == [alice]
    register = consent_register(store, bob)
    assert [(r["granted"], r["channel"], r["actor"]) for r in register] == \
        [(True, "phone", "ivr"), (False, "counter", "agent1")]
    with pytest.raises(InvalidInput, match="Liste inconnue"):
        set_subscription(store, alice, "inconnue", subscribed=True, at=NOW, channel="web",
                         wording="x")


def test_an_sms_without_delivery_report_is_flagged_for_an_agent(store: Store) -> None:
    with store.session() as session:
        sms = outbox.enqueue(session, channel="sms", recipient=PHONE, body="a", purpose="direct",
                             now=NOW)
        mail = outbox.enqueue(session, channel="email", recipient=EMAIL, body="b",
                              purpose="direct", now=NOW)
        claimed = outbox.claim_due(session, NOW, "w", 10, 60)
        outbox.mark_sent(session, {r.attempt_id or "": "x" for r in claimed}, NOW)
        assert outbox.flag_unreported(session, NOW + timedelta(hours=23)) == []
        [flagged] = outbox.flag_unreported(session, NOW + outbox.REPORT_WAIT)
        assert (flagged.id, flagged.state) == (sms.id, "unknown")  # e-mail has no reports
        assert session.get_one(Message, mail.id).state == "sent"


@pytest.mark.parametrize("text", ["ABONNER BULLETIN", "abonnement bulletin",
                                  "Inscription : Bulletin"])
def test_subscription_by_sms_keyword(store: Store, text: str) -> None:
    received = receive_sms(store, RULES, sender=PHONE, text=text, at=NOW)
    assert received.intent == "subscribe"
    citizen = ensure_citizen(store, phones=[PHONE])
    proof = {c.purpose: c for c in citizen.consents}["liste:bulletin"]
    assert (proof.granted, proof.channel) == (True, "sms") and text in proof.wording
    confirmation = _messages(store)[-1]
    assert (confirmation.template, confirmation.recipient) == ("abonnement", PHONE)
    assert "vous êtes abonné à « Bulletin municipal »" in confirmation.body
    unknown = receive_sms(store, RULES, sender=PHONE, text="ABONNER PISCINE", at=NOW)
    assert unknown.intent == "other"  # no such list: a request for the accueil


def _doubtful(store: Store) -> tuple[Message, Message, Message]:
    """Three SMS claimed at NOW: one without HTTP answer, one accepted, one reported."""
    with store.session() as session:
        for n in range(3):
            outbox.enqueue(session, channel="sms", recipient=PHONE, body=f"d{n}",
                           purpose="direct", now=NOW)
        lost, accepted, reported = outbox.claim_due(session, NOW, "w", 10, 60)
        assert lost.attempt_at == accepted.attempt_at == NOW
        outbox.mark_unknown(session, lost.attempt_id or "", "réponse perdue", NOW)
        outbox.mark_sent(session, {accepted.attempt_id or "": "k",
                                   reported.attempt_id or "": "k"}, NOW)
        outbox.delivery_report(session, reported.id, reported.attempt_id or "", None,
                               "rapport 8", NOW)  # the SMSC took it: never resent
    return lost, accepted, reported


def test_doubtful_sms_are_resent_once_the_gateway_shows_it_lacks_them(store: Store) -> None:
    lost, accepted, reported = _doubtful(store)
    policy = ResendPolicy(wait=timedelta(minutes=5), max_resends=1)
    later = NOW + timedelta(minutes=5)
    with store.session() as session:
        assert outbox.resend_doubtful(session, "sms", NOW - timedelta(seconds=1), later,
                                      policy) == []  # attempts younger than the cutoff
        again = outbox.resend_doubtful(session, "sms", NOW, later, policy)
    assert sorted(m.id for m in again) == [lost.id, accepted.id]
    assert {(m.state, m.resends, m.next_attempt_at) for m in again} == {("pending", 1, later)}
    with store.session() as session:
        assert session.get_one(Message, reported.id).state == "sent"
        events = list(session.scalars(select(ContactEvent.kind).where(
            ContactEvent.contact_id == lost.contact_id)))
        assert events[-1] == "message_resent"
        claimed = outbox.claim_due(session, later, "w", 10, 60)
        assert sorted(m.id for m in claimed) == [lost.id, accepted.id]
        outbox.mark_unknown(session, claimed[0].attempt_id or "", "encore perdue", later)
        assert outbox.resend_doubtful(session, "sms", later, later + timedelta(minutes=5),
                                      policy) == []  # max_resends reached: an agent decides


def test_a_late_report_of_the_first_attempt_takes_the_resend_back(store: Store) -> None:
    lost, accepted, _reported = _doubtful(store)
    with store.session() as session:
        outbox.resend_doubtful(session, "sms", NOW, NOW + timedelta(minutes=5),
                               ResendPolicy(wait=timedelta(minutes=5)))
        row = outbox.delivery_report(session, lost.id, lost.attempt_id or "", "delivered",
                                     "rapport 1", NOW + timedelta(minutes=6))
        assert row is not None and (row.state, row.attempt_id) == ("delivered", lost.attempt_id)
        claimed = outbox.claim_due(session, NOW + timedelta(minutes=6), "w", 10, 60)
        assert [m.id for m in claimed] == [accepted.id]  # the other one still goes again
        assert outbox.delivery_report(session, lost.id, f"x:{lost.id}9", "delivered", "",
                                      NOW) is None  # another message's attempt


def _dsn(original_id: str, action: str = "failed") -> bytes:
    """A relay's delivery status notification (RFC 3464) about the mail ``original_id``."""
    report = MIMEMultipart("report", report_type="delivery-status")
    report["From"] = "MAILER-DAEMON@relais.villebourg.fr"
    report["To"] = "mairie@villebourg.fr"
    report["Subject"] = "Undelivered Mail Returned to Sender"
    report.attach(MIMEText("Votre message n'a pas pu être remis.", "plain", "utf-8"))
    status, per_recipient = Message_(), Message_()
    status["Reporting-MTA"] = "dns; relais.villebourg.fr"
    per_recipient["Final-Recipient"] = f"rfc822; {EMAIL}"
    per_recipient["Action"] = action
    per_recipient["Status"] = "5.1.1"
    per_recipient["Diagnostic-Code"] = "smtp; 550 5.1.1 <alice@example.org>: User unknown"
    part = MIMEBase("message", "delivery-status")
    part.set_payload([status, per_recipient])
    report.attach(part)
    report.attach(MIMEText(f"Message-ID: {original_id}\nSubject: Votre demande\n",
                           "rfc822-headers"))
    return report.as_bytes()


def test_a_bounce_fails_the_mail_and_tries_the_next_channel(store: Store,
                                                             tmp_path: Path) -> None:
    citizen = _citizen(store, prefer="email")
    create_request(store, RULES, type_id="acte-deces", at=NOW, actor="t", citizen_id=citizen)
    with store.session() as session:
        (mail,) = outbox.claim_due(session, NOW, "w", 10, 60)
        outbox.mark_sent(session, {mail.attempt_id or "": "x"}, NOW)
    message_id = f"<{(mail.attempt_id or '').replace(':', '.')}@villebourg.fr>"
    assert parse_mail(_dsn(message_id, "delayed")).bounce is None  # only a delay: wait
    bounce = parse_mail(_dsn(message_id))
    assert bounce.bounce is not None and bounce.bounce.status == "5.1.1"
    for _ in range(2):  # read twice, applied once
        got = receive_email(store, RULES, bounce, at=NOW, area=tmp_path)
        assert got.intent == "bounce"
    failed, sms = _messages(store)
    assert failed.state == "failed" and "User unknown" in (failed.reason or "")
    assert (sms.channel, sms.state, sms.fallback_of) == ("sms", "pending", failed.id)
    stray = receive_email(store, RULES, parse_mail(_dsn("<autre@ailleurs.fr>")), at=NOW,
                          area=tmp_path)
    assert stray.intent != "bounce" and stray.reference  # kept like any mail, for the accueil


def test_a_failed_delivery_report_tries_the_next_channel(store: Store) -> None:
    citizen = _citizen(store, prefer="sms")
    create_request(store, RULES, type_id="acte-deces", at=NOW, actor="t", citizen_id=citizen)
    with store.session() as session:
        (sms,) = outbox.claim_due(session, NOW, "w", 10, 60)
        outbox.mark_sent(session, {sms.attempt_id or "": "k"}, NOW)
        outbox.delivery_report(session, sms.id, sms.attempt_id or "",
                               dlr_outcome(DLR_SMSC_REJECT), "rapport 16 : numéro inconnu", NOW)
    failed, email = _messages(store)
    assert (failed.state, failed.reason) == ("failed", "rapport 16 : numéro inconnu")
    assert (email.channel, email.state, email.fallback_of) == ("email", "pending", failed.id)
