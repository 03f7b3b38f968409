"""Phone self-service on the real stack (Asterisk, the IVR process, SIPp, the store):
a request's status keyed and told, guessing stopped, a document requested by keypad and
voice with the recording really arriving in the request's attachments."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from admin import create_app
from admin.api import new_token
from ivr.requests.address import postal_address
from ivr.requests.due import due_at
from ivr.requests.reference import grouped
from ivr.rules import load_rules
from ivr.simulate import AgentPhone
from ivr.sipp.pcap import timed_keys_pcap
from ivr.sipp.scenario import Audio, Dtmf, Say, Step, Wait
from ivr.store import requests as repo
from ivr.store import self_service
from ivr.store.attachments import attachment_file
from ivr.store.citizens import NewCitizen
from ivr.store.db import Store
from ivr.store.models import Consent, Message
from ivr.store.request_views import RequestView
from tests.fixtures.requests import T0
from tests.fixtures.stack import running_stack
from townhall_support.stack import Stack

BORN = "14071990"
CITIZEN_PHONE = "0611223344"  # the citizen's number, known to the store


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, agent: AgentPhone) -> Iterator[Stack]:
    with running_stack(tmp_path_factory, agent) as running:
        yield running


@pytest.fixture(scope="module")
def store(stack: Stack) -> Iterator[Store]:
    opened = Store(stack.settings.db_url)
    yield opened
    opened.dispose()


def new_card(stack: Stack, store: Store) -> str:
    """An identity card request of the citizen, created through the repository."""
    rules = load_rules(stack.settings.rules_path)
    return repo.create_request(store, rules, type_id="carte-identite", at=T0, actor="guichet",
                               citizen=NewCitizen(name="Jeanne Martin",
                                                  phones=(CITIZEN_PHONE,),
                                                  birth_date=date(1990, 7, 14))).reference


def api_card(stack: Stack, store: Store) -> str:
    """An identity card request created through the HTTP API, as a web form would."""
    app = create_app(stack.settings, {"TESTING": True, "STORE": store, "AMI_ENABLED": False})
    with store.session() as session:
        token = new_token(session, "e2e-self-service")
    response = app.test_client().post(
        "/api/v1/requests", headers={"Authorization": f"Bearer {token}"},
        json={"type": "carte-identite", "channel": "web", "citizen": {
            "name": "Paul Durand", "phones": ["0611223355"], "birth_date": "14/07/1990"}})
    assert response.status_code == 201, response.json
    return str(response.json["reference"])


def status_steps(reference: str, *checks: str) -> list[Step]:
    """Main menu 2, the reference, then each birth date keyed in turn."""
    steps: list[Step] = [Wait(1.0), Dtmf("2"), Wait(1.5), Dtmf(reference, gap=0.25)]
    for check in checks:
        steps += [Wait(1.5), Dtmf(check, gap=0.25)]
    return steps


def events(contact: dict) -> list[str]:
    return [event["kind"] for event in contact["events"]]


def test_status_told_then_guessing_locked(live: Stack, store: Store) -> None:
    # one caller hears the status of a card made through the API while another guesses
    # the birth date of another card (two references: the calls run at once)
    reference, guessed = api_card(live, store), new_card(live, store)
    told_call = live.start_call(steps=status_steps(reference, BORN), hold_seconds=10,
                                caller="0699999901")
    wrong_call = live.start_call(steps=status_steps(guessed, "01012000", "01012001",
                                                    "01012002"),
                                 hold_seconds=6, caller="0699999902")
    told, wrong = told_call.result(), wrong_call.result()
    contact = live.contact(told.ref, wait=20, until=lambda c: c["outcome"] is not None)
    assert contact is not None, live.app_log()
    assert contact["outcome"] == "self_service", (contact, live.app_log())
    assert contact["request_id"] == repo.get_request(store, reference).id
    said = next(e["data"] for e in contact["events"] if e["kind"] == "request_status_told")
    assert (said["reference"], said["status"]) == (reference, "depose")
    assert BORN not in str(contact) and BORN not in live.app_log()  # never the secret

    contact = live.contact(wrong.ref, wait=20, until=lambda c: c["target"] is not None)
    assert contact is not None, live.app_log()
    assert (contact["target"], contact["routed_by"]) == ("accueil", "default"), contact
    assert events(contact).count("check_failed") == 2 and "request_locked" in events(contact)
    assert self_service.is_locked(store, guessed)

    fourth = live.call(steps=status_steps(guessed), hold_seconds=5, caller="0699999903")
    contact = live.contact(fourth.ref, wait=20, until=lambda c: c["target"] is not None)
    assert contact is not None and contact["target"] == "accueil", live.app_log()
    assert "request_locked" in events(contact) and "request_status_told" not in events(contact)


def test_a_digit_asterisk_publishes_twice_counts_once(live: Stack, store: Store,
                                                      tmp_path: Path) -> None:
    # the birth date keyed 250 ms a digit, but its « 0 » ends 32 ms after the « 4 », as a
    # late RTP burst brings it: Asterisk defers that « 0 » by its 45 ms gap and publishes
    # it twice (ivr.telephony.dtmf_echo); keyed twice, the date would be « 140071990 »
    reference = new_card(live, store)
    presses = [("1", 0, 140), ("4", 250, 140), ("0", 402, 20),
               *((key, 750 + 250 * n, 140) for n, key in enumerate(BORN[3:]))]
    pcap = tmp_path / "burst.pcap"
    seconds = timed_keys_pcap(presses, pcap, first_press=1 + len(reference))
    steps = [*status_steps(reference), Wait(1.5), Audio(pcap, seconds)]
    result = live.call(steps=steps, hold_seconds=4, caller="0699999904")
    contact = live.contact(result.ref, wait=20, until=lambda c: c["outcome"] is not None)
    assert contact is not None, live.app_log()
    assert contact["outcome"] == "self_service", (contact, live.app_log())
    assert "check_failed" not in events(contact)


def test_a_known_caller_is_offered_their_request_and_has_it_by_sms(
        live: Stack, store: Store) -> None:
    reference = new_card(live, store)
    steps: list[Step] = [Wait(1.0), Dtmf("2"), Wait(2.0), Dtmf("1"), Wait(1.5),
                         Dtmf(BORN, gap=0.25), Wait(2.0), Dtmf("3")]  # 3: by SMS
    result = live.call(steps=steps, hold_seconds=6, caller=CITIZEN_PHONE)
    contact = live.contact(result.ref, wait=20, until=lambda c: c["outcome"] is not None)
    assert contact is not None, live.app_log()
    said = [e["data"] for e in contact["events"] if e["kind"] == "request_status_told"]
    assert said and said[0]["reference"] == reference, (contact, grouped(reference))
    assert "request_status_sms" in events(contact), contact
    with store.session() as session:
        request_id = repo.request_row(session, reference).id
        sms = session.scalars(select(Message).where(Message.request_id == request_id)).one()
        consent = session.scalars(select(Consent).where(
            Consent.purpose == self_service.STATUS_SMS_PURPOSE)).one()
    assert (sms.channel, sms.recipient) == ("sms", "+33611223344")
    assert "Votre titre" not in sms.body and "déposé en mairie" in sms.body, sms.body
    assert "touche 3" in consent.wording and BORN not in consent.wording


def document_steps(*then: Step) -> list[Step]:
    """Main menu 1, « papiers et état civil » 4, a birth certificate's extract, the date
    of birth keyed, the names said after the beep, then ``then`` (the delivery)."""
    return [Wait(1.0), Dtmf("1"), Wait(1.0), Dtmf("4"), Wait(1.0), Dtmf("1"), Wait(1.0),
            Dtmf("1"), Wait(1.0), Dtmf("14071990", gap=0.25),
            Wait(9.0), Say("Martin, Jeanne, Marie"), Dtmf("#"),  # after the beep: the names
            Wait(1.0), *then]


def test_a_document_requested_by_keypad_and_voice_carries_the_recording(
        live: Stack, store: Store) -> None:
    # a caller unknown to the store says the address; one with an address on file only
    # keys 1 (« par courrier à votre adresse enregistrée »): two calls at once
    on_file = "0611223366"
    citizen = NewCitizen(phones=(on_file,), address=postal_address(
        street="3 rue de la Mairie", postcode="67000", city="Villebourg"))
    repo.create_request(store, load_rules(live.settings.rules_path), type_id="acte-deces",
                        at=T0, actor="guichet", citizen=citizen)
    said_call = live.start_call(steps=document_steps(
        Dtmf("1"), Wait(6.0), Say("trois rue de la mairie à Villebourg"), Dtmf("#")),
        hold_seconds=15)
    known_call = live.start_call(steps=document_steps(Dtmf("1")), hold_seconds=12,
                                 caller=on_file)
    said_view = document_of(live, store, said_call.result().ref)
    assert [a.filename for a in said_view.attachments] == ["noms.wav", "adresse.wav"]
    for attachment in said_view.attachments:
        audio = attachment_file(live.settings.attachments_dir, attachment).read_bytes()
        assert audio[:4] == b"RIFF" and len(audio) > 8000, attachment  # half a second at least
    assert (said_view.delivery, said_view.address_to_complete) == ("courrier", True)

    known_view = document_of(live, store, known_call.result().ref)
    assert [a.filename for a in known_view.attachments] == ["noms.wav"]  # no address said
    assert known_view.citizen_address == citizen.address and not known_view.address_to_complete


def document_of(live: Stack, store: Store, ref: str) -> RequestView:
    """The request a document call created, checked: type, channel, due date."""
    contact = live.contact(ref, wait=30, until=lambda c: c["request_id"] is not None)
    assert contact is not None and contact["request_id"] is not None, live.app_log()
    created = next(e["data"] for e in contact["events"] if e["kind"] == "document_requested")
    view = repo.get_request(store, created["reference"])
    rules = load_rules(live.settings.rules_path)
    assert (view.type, view.channel) == ("acte-naissance", "phone")
    delay = rules.request_types["acte-naissance"].delay
    assert view.due_at == due_at(rules, "etat-civil", view.created_at, delay)
    return view
