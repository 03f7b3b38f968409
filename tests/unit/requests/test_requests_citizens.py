"""Citizens found by any number or address, merged without duplicates, consents with proof."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from ivr.requests.address import PostalAddress, postal_address
from ivr.requests.errors import CitizenConflict, InvalidInput
from ivr.store import requests as repo
from ivr.store.citizens import ensure_citizen, find_citizen, get_citizen, record_consent
from ivr.store.db import Store
from tests.fixtures.requests import RULES, T0

pytestmark = pytest.mark.pg


def test_one_person_several_numbers_found_by_each(store: Store) -> None:
    first = ensure_citizen(store, name="Awa Diallo", phones=["06 12 34 56 78"])
    again = ensure_citizen(store, phones=["+33612345678", "01.23.45.67.89"],
                           emails=["Awa.Diallo@Example.FR "])
    assert again.id == first.id and again.name == "Awa Diallo"
    assert again.phones == ("+33612345678", "+33123456789")
    assert again.emails == ("awa.diallo@example.fr",)
    for key in ({"phone": "0033 1 23 45 67 89"}, {"email": "AWA.DIALLO@example.fr"}):
        found = find_citizen(store, **key)
        assert found is not None and found.id == first.id
    assert find_citizen(store, phone="06 99 88 77 66") is None
    assert find_citizen(store, phone="anonymous") is None  # a withheld caller ID
    assert get_citizen(store, first.id).birth_date is None  # only when a type needs it


def test_points_of_two_people_are_a_conflict(store: Store) -> None:
    ensure_citizen(store, phones=["0612345678"])
    ensure_citizen(store, emails=["b@example.org"])
    with pytest.raises(CitizenConflict, match="usagers différents"):
        ensure_citizen(store, phones=["0612345678"], emails=["b@example.org"])


@pytest.mark.parametrize("kwargs", [{"phones": ["12"]}, {"emails": ["pas-une-adresse"]},
                                    {"emails": ["a@b"]}])
def test_bad_contact_points_are_refused(store: Store, kwargs: dict) -> None:
    with pytest.raises(InvalidInput, match="invalide"):
        ensure_citizen(store, name="X", **kwargs)


def test_consents_per_purpose_keep_their_proof(store: Store) -> None:
    citizen = ensure_citizen(store, phones=["0612345678"])
    wording = "J'accepte de recevoir par SMS le suivi de mes demandes."
    record_consent(store, citizen.id, purpose="notifications", granted=True, at=T0,
                   channel="phone", wording=wording)
    record_consent(store, citizen.id, purpose="liste:travaux", granted=True, at=T0,
                   channel="web", wording="Lettre d'information travaux", actor="site")
    later = record_consent(store, citizen.id, purpose="notifications", granted=False,
                           at=T0 + timedelta(days=3), channel="sms", wording="STOP")
    consents = {c.purpose: c for c in later.consents}
    assert (consents["notifications"].granted, consents["notifications"].channel) == (False, "sms")
    assert consents["liste:travaux"].granted and consents["liste:travaux"].actor == "site"
    assert later.to_dict()["consents"][0]["at"].startswith("2026-12-0")
    with pytest.raises(InvalidInput, match="Canal"):
        record_consent(store, citizen.id, purpose="notifications", granted=True, at=T0,
                       channel="pigeon", wording=wording)
    with pytest.raises(InvalidInput, match="introuvable"):
        record_consent(store, 999, purpose="notifications", granted=True, at=T0,
                       channel="web", wording=wording)


def test_two_writers_adding_the_same_number_make_one_citizen(db_url: str, store: Store) -> None:
    start, ids, errors = threading.Barrier(4), [], []

    def add(index: int) -> None:
        own = Store(db_url)
        try:
            start.wait()
            for n in range(10):
                ids.append(ensure_citizen(own, phones=[f"06 12 34 56 {n:02d}"],
                                          emails=[f"w{index}-{n}@example.org"]).id)
        except BaseException as exc:
            errors.append(exc)
        finally:
            own.dispose()

    threads = [threading.Thread(target=add, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == [] and len(ids) == 40 and len(set(ids)) == 10
    found = find_citizen(store, phone="0612345607")
    assert found is not None and len(found.emails) == 4


def test_one_postal_address_kept_replaced_and_erased(store: Store) -> None:
    first = postal_address(street=" 3 rue de la Mairie ", postcode="67 000", city="Strasbourg")
    citizen = ensure_citizen(store, phones=["0612345678"], address=first)
    assert citizen.address == PostalAddress("3 rue de la Mairie", "67000", "Strasbourg")
    assert ensure_citizen(store, phones=["0612345678"]).address == first  # kept when not given
    moved = postal_address(street="1 place de l'Église", extra="Appartement 12",
                           postcode="20090", city="Ajaccio")
    assert ensure_citizen(store, phones=["0612345678"], address=moved).address == moved
    assert moved is not None and moved.lines() == (
        "1 place de l'Église", "Appartement 12", "20090 Ajaccio")
    ref = repo.create_request(store, RULES, type_id="acte-deces", at=T0, actor="guichet",
                              citizen_id=citizen.id).reference
    assert repo.set_address(store, ref, None, actor="agent", at=T0).citizen_address is None
    assert get_citizen(store, citizen.id).address is None
    notes = [e.note for e in repo.get_request(store, ref).events if e.kind == "note"]
    assert notes == ["Adresse postale effacée."]  # the history never holds the address


@pytest.mark.parametrize(("fields", "message"), [
    ({"street": "3 rue de la Mairie", "postcode": "67000", "city": ""}, "incomplète"),
    ({"street": "", "postcode": "67000", "city": "Strasbourg"}, "incomplète"),
    ({"street": "3 rue", "postcode": "6700", "city": "Strasbourg"}, "Code postal invalide"),
    ({"street": "3 rue", "postcode": "F-67000", "city": "Strasbourg"}, "Code postal invalide"),
    ({"street": "x" * 121, "postcode": "67000", "city": "Strasbourg"}, "trop long"),
    ({"street": "3 rue\x00", "postcode": "67000", "city": "Strasbourg"}, "caractère nul"),
])
def test_bad_postal_addresses_are_refused_in_french(fields: dict, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        postal_address(**fields)


def test_no_field_is_no_address() -> None:
    assert postal_address(street=" ", postcode="", city=None, extra="") is None


def test_a_request_without_citizen_gets_one_for_its_address(store: Store) -> None:
    ref = repo.create_request(store, RULES, type_id="acte-deces", at=T0, actor="ivr",
                              delivery="courrier").reference
    assert repo.get_request(store, ref).address_to_complete
    address = postal_address(street="3 rue de la Mairie", postcode="67000", city="Strasbourg")
    view = repo.set_address(store, ref, address, actor="agent", at=T0)
    assert view.citizen_id is not None and not view.address_to_complete
    with pytest.raises(InvalidInput, match="Mode d'envoi inconnu"):
        repo.create_request(store, RULES, type_id="acte-deces", at=T0, actor="ivr",
                            delivery="pigeon")
