"""Phone self-service in the store, on SQLite and PostgreSQL: answers, attempts counted
over a sliding window, references locked and unlocked, the secret never kept."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from ivr.domain.outcomes import ContactOutcome
from ivr.flow.request_queries import (
    AddressOnFile,
    CreateDocumentRequest,
    FindRequest,
    Guard,
    OpenRequest,
    OpenRequests,
    OpenRequestsOf,
    PostalAddressOf,
    Refused,
    RequestFound,
    RequestState,
    SendStatusSms,
    SmsQueued,
    VerifyCaller,
)
from ivr.flow.request_status import SMS_OFFER
from ivr.requests.address import postal_address
from ivr.requests.due import due_at
from ivr.requests.errors import UnknownReference
from ivr.requests.reference import grouped
from ivr.store import requests as repo
from ivr.store import self_service as ss
from ivr.store.citizens import NewCitizen
from ivr.store.db import Store
from ivr.store.models import Consent, Contact, Message, SelfServiceAttempt
from tests.fixtures.requests import RULES, T0
from tests.fixtures.store import fast_writer

GUARD = Guard(max_failures=3, window_hours=24, lock_after=3)
BORN = date(1990, 7, 14)
PHONE = "+33612345678"
OTHER = "+33698765432"


def card(store: Store) -> str:
    citizen = NewCitizen(name="Jeanne Martin", phones=("06 12 34 56 78",), birth_date=BORN)
    return repo.create_request(store, RULES, type_id="carte-identite", at=T0, actor="guichet",
                               citizen=citizen).reference


def check(store: Store, ref: str, born: date, caller: str | None = OTHER, minutes: int = 1
          ) -> RequestState | Refused:
    return ss.verify(store, VerifyCaller(ref, "date_naissance", caller, "call-x",
                                         T0 + timedelta(minutes=minutes), GUARD, born))


def test_found_verified_and_told_with_the_attempts_kept_without_the_secret(store: Store) -> None:
    ref = card(store)
    assert ss.find_request(store, FindRequest(ref, PHONE, "c1", T0, GUARD)) == \
        RequestFound(ref, "carte-identite", True, False)
    told = check(store, ref, BORN, PHONE)
    assert isinstance(told, RequestState) and told.status == "depose" and not told.closed
    assert told.since == T0
    assert check(store, ref, date(1990, 7, 15), PHONE) == Refused("mismatch")
    with store.session() as session:
        rows = session.scalars(select(SelfServiceAttempt).order_by(SelfServiceAttempt.id)).all()
        assert [(r.kind, r.ok, r.reference) for r in rows] == [
            ("reference", True, ref), ("verification", True, ref), ("verification", False, ref)]
        kept = [getattr(r, column.key) for r in rows
                for column in SelfServiceAttempt.__table__.columns]
        assert BORN not in kept and not any("1990" in str(value) for value in kept)


def test_unknown_reference_is_refused_and_counted(store: Store) -> None:
    assert ss.find_request(store, FindRequest("1234567897", PHONE, "c1", T0, GUARD)) == \
        Refused("unknown")


def test_three_failed_checks_lock_the_reference_until_an_agent_unlocks_it(store: Store) -> None:
    ref = card(store)
    callers = ("+33611111111", "+33622222222", "+33633333333")
    results = [check(store, ref, date(2000, 1, 1), caller) for caller in callers]
    assert results == [Refused("mismatch"), Refused("mismatch"), Refused("locked")]
    assert ss.is_locked(store, ref)
    fourth = ss.find_request(store, FindRequest(ref, "+33644444444", "c4", T0, GUARD))
    assert fourth == Refused("locked")
    assert check(store, ref, BORN, "+33644444444") == Refused("locked")  # even the right one
    assert ss.unlock(store, ref, actor="agent", at=T0 + timedelta(minutes=5))
    assert not ss.is_locked(store, ref)
    # the failures before the unlock no longer count: one more mistake does not relock
    assert check(store, ref, date(2000, 1, 1), minutes=6) == Refused("mismatch")
    assert isinstance(check(store, ref, BORN, minutes=7), RequestState)
    assert not ss.unlock(store, ref, actor="agent", at=T0)  # was not locked


def test_a_number_failing_too_often_is_refused_then_forgiven_after_the_window(
        store: Store) -> None:
    for n in range(3):
        at = T0 + timedelta(minutes=n)
        ss.find_request(store, FindRequest("1234567897", PHONE, "c1", at, GUARD))
    ref = card(store)
    assert ss.find_request(store, FindRequest(ref, PHONE, "c2", T0 + timedelta(minutes=5),
                                              GUARD)) == Refused("caller_blocked")
    later = T0 + timedelta(hours=25)
    assert ss.find_request(store, FindRequest(ref, PHONE, "c3", later, GUARD)) == \
        RequestFound(ref, "carte-identite", True, False)


def test_open_requests_of_a_known_number_newest_first_none_for_strangers(store: Store) -> None:
    ref = card(store)
    assert ss.open_requests_of(store, OpenRequestsOf(PHONE)) == \
        OpenRequests((OpenRequest(ref, "carte-identite", True, False),))
    assert ss.open_requests_of(store, OpenRequestsOf(OTHER)) == OpenRequests(())
    assert ss.open_requests_of(store, OpenRequestsOf("sipp")) == OpenRequests(())


def test_unlocking_an_unknown_reference_is_a_french_refusal(store: Store) -> None:
    with pytest.raises(UnknownReference, match="Aucune demande"):
        ss.unlock(store, "1234567897", actor="agent", at=T0)


def test_the_writer_links_a_self_service_call_to_the_request_it_consulted(
        store: Store, tmp_path: Path) -> None:
    ref = card(store)
    writer = fast_writer(store, tmp_path / "spool")
    writer.start_contact("chan-s", T0, PHONE, "3000")
    writer.update_contact("chan-s", request_ref=ref)
    writer.finish_contact("chan-s", T0 + timedelta(seconds=40), ContactOutcome.SELF_SERVICE)
    writer.start_contact("chan-u", T0, PHONE, "3000")
    writer.update_contact("chan-u", request_ref="1234567897")  # nobody's: links nothing
    assert writer.flush(10)
    writer.close()
    view = repo.get_request(store, ref)
    with store.session() as session:
        linked = session.scalars(select(Contact).order_by(Contact.call_id)).all()
        assert [(c.call_id, c.outcome, c.request_id) for c in linked] == [
            ("chan-s", "self_service", view.id), ("chan-u", None, None)]
    assert len(view.contact_ids) == 1


def test_a_document_request_by_phone_is_created_with_its_recordings_attached(
        store: Store, tmp_path: Path) -> None:
    spool = tmp_path / "recording"
    spool.mkdir()
    (spool / "call-1_7.wav").write_bytes(b"RIFF-names")
    (spool / "call-1_9.wav").write_bytes(b"RIFF-address")
    query = CreateDocumentRequest("acte-naissance", "Extrait", date(1990, 7, 14), "courrier",
                                  PHONE, "call-1", T0,
                                  (("noms", "call-1_7"), ("adresse", "call-1_9"),
                                   ("noms", "call-1_gone")), RULES)
    done = ss.create_document_request(store, query, recording=lambda n: spool / f"{n}.wav",
                                      area=tmp_path / "attachments")
    view = repo.get_request(store, done.reference)
    assert (view.type, view.channel, view.due_at) == ("acte-naissance", "phone", done.due_at)
    assert view.due_at == due_at(RULES, "etat-civil", T0, 5)
    assert view.description is not None and "14/07/1990" in view.description
    assert [(a.filename, a.mime) for a in view.attachments] == [
        ("noms.wav", "audio/wav"), ("adresse.wav", "audio/wav")]
    assert not list(spool.iterdir())  # moved, not copied
    found = ss.find_request(store, FindRequest(view.reference, PHONE, "c2", T0, GUARD))
    assert found == RequestFound(view.reference, "acte-naissance", False, False)  # no proof
    assert ss.open_requests_of(store, OpenRequestsOf(PHONE)).items[0].reference == view.reference
    # posted, the caller having no address on file: the agent completes it
    assert (view.delivery, view.address_to_complete) == ("courrier", True)
    address = postal_address(street="3 rue de la Mairie", postcode="67000", city="Strasbourg")
    completed = repo.set_address(store, view.reference, address, actor="agent", at=T0)
    assert (completed.citizen_address, completed.address_to_complete) == (address, False)
    assert ss.postal_address_of(store, PostalAddressOf(PHONE)) == AddressOnFile(True)


def test_posted_to_the_address_on_file_records_none(store: Store, tmp_path: Path) -> None:
    address = postal_address(street="3 rue de la Mairie", extra="Bâtiment B",
                             postcode="67000", city="Strasbourg")
    repo.create_request(store, RULES, type_id="acte-deces", at=T0, actor="guichet",
                        citizen=NewCitizen(phones=(PHONE,), address=address))
    assert ss.postal_address_of(store, PostalAddressOf(PHONE)) == AddressOnFile(True)
    assert ss.postal_address_of(store, PostalAddressOf("+33699999999")) == AddressOnFile(False)
    query = CreateDocumentRequest("acte-naissance", "Extrait", date(1990, 7, 14), "courrier",
                                  PHONE, "call-2", T0, (), RULES, to_address_on_file=True)
    done = ss.create_document_request(store, query, recording=lambda n: tmp_path / n,
                                      area=tmp_path / "attachments")
    view = repo.get_request(store, done.reference)
    assert view.citizen_address == address and not view.address_to_complete
    assert view.description is not None and "à l'adresse enregistrée" in view.description


def sms_asked(ref: str, at: datetime) -> SendStatusSms:
    return SendStatusSms(ref, PHONE, "Votre demande de carte nationale d'identité, mise à "
                         "jour le mardi 1er décembre. Votre dossier a bien été déposé.",
                         SMS_OFFER, "3", "call-sms", at, RULES)


def test_the_status_by_sms_is_queued_with_the_consent_and_its_proof(store: Store) -> None:
    ref = card(store)
    assert ss.send_status_sms(store, sms_asked(ref, T0)) == SmsQueued()
    with store.session() as session:
        message = session.scalars(select(Message)).one()
        consent = session.scalars(select(Consent).where(
            Consent.purpose == ss.STATUS_SMS_PURPOSE)).one()
        request = repo.request_row(session, ref)
        assert (message.channel, message.recipient, message.state) == ("sms", PHONE, "pending")
        assert (message.request_id, message.citizen_id) == (request.id, request.citizen_id)
        assert message.body.startswith(f"{RULES.town.name} : Votre demande de carte")
        assert message.body.endswith(f"Réf. {grouped(ref)}.")
        assert message.next_attempt_at is None or message.next_attempt_at <= T0  # 10:00
        assert consent.granted and consent.channel == "phone"
        assert consent.citizen_id == request.citizen_id
        assert SMS_OFFER in consent.wording and "touche 3, appel call-sms" in consent.wording


def test_the_status_by_sms_asked_at_night_leaves_at_eight(store: Store) -> None:
    ref = card(store)
    night = T0.replace(hour=22)
    ss.send_status_sms(store, sms_asked(ref, night))
    with store.session() as session:
        message = session.scalars(select(Message)).one()
        assert message.next_attempt_at == (night + timedelta(days=1)).replace(hour=8)


def test_a_success_is_kept_after_the_answer_a_failure_with_it(store: Store) -> None:
    ref = card(store)
    attempts = ss.AttemptLog(store)
    try:
        query = VerifyCaller(ref, "date_naissance", OTHER, "call-l", T0, GUARD, BORN)
        assert isinstance(ss.verify(store, query, later=attempts), RequestState)
        wrong = VerifyCaller(ref, "date_naissance", OTHER, "call-l", T0, GUARD, date(2000, 1, 1))
        assert ss.verify(store, wrong, later=attempts) == Refused("mismatch")
        with store.session() as session:  # the failure is there at once: it counts
            assert False in session.scalars(select(SelfServiceAttempt.ok)).all()
        found = FindRequest(ref, OTHER, "call-l", T0, GUARD)
        assert ss.find_request(store, found, later=attempts) == \
            RequestFound(ref, "carte-identite", True, False)
    finally:
        attempts.close()
    with store.session() as session:
        kept = session.execute(select(SelfServiceAttempt.kind, SelfServiceAttempt.ok)
                               .order_by(SelfServiceAttempt.id)).tuples().all()
    assert sorted(kept) == [("reference", True), ("verification", False),
                            ("verification", True)]
