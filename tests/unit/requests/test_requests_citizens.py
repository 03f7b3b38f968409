"""Citizens found by any number or address, merged without duplicates, consents with proof."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from ivr.requests.errors import CitizenConflict, InvalidInput
from ivr.store.citizens import ensure_citizen, find_citizen, get_citizen, record_consent
from ivr.store.db import Store
from tests.fixtures.requests import T0

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
