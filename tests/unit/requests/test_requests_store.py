"""The request repository on SQLite and PostgreSQL: creation, history, refusals, locking."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ivr.requests import lifecycle
from ivr.requests.due import due_at
from ivr.requests.errors import (
    ForbiddenTransition,
    InvalidInput,
    InvalidReference,
    StaleVersion,
    UnknownReference,
    UnknownStatus,
    UnknownType,
)
from ivr.requests.reference import new_reference
from ivr.store import requests as repo
from ivr.store.citizens import NewCitizen, find_citizen
from ivr.store.db import Store
from ivr.store.models import Citizen, Contact, Request, RequestEvent
from tests.fixtures.requests import RULES, T0, at

pytestmark = pytest.mark.pg


def count(store: Store, model: type) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def new(store: Store, type_id: str = "carte-identite", **kwargs) -> repo.RequestView:
    return repo.create_request(store, RULES, type_id=type_id, at=T0, actor="guichet", **kwargs)


def test_create_and_read_back_with_history(store: Store) -> None:
    citizen = NewCitizen(name="Jeanne Martin", phones=("06 12 34 56 78",),
                         birth_date=date(1980, 3, 5))
    view = new(store, citizen=citizen, subject="Renouvellement", channel="counter")
    assert (view.status, view.version, view.department) == ("depose", 1, "titres-identite")
    assert view.due_at == lifecycle_due("titres-identite", 30)
    read = repo.get_request(store, view.display_reference)
    assert read.citizen_name == "Jeanne Martin" and read.subject == "Renouvellement"
    assert [(e.kind, e.from_status, e.to_status, e.actor) for e in read.events] == [
        ("created", None, "depose", "guichet")]
    assert find_citizen(store, phone="+33612345678").id == read.citizen_id


def lifecycle_due(department: str, delay: int) -> datetime:
    return due_at(RULES, department, T0, delay)


@pytest.mark.parametrize("kwargs, error", [
    ({"type_id": "permis-de-chasse"}, UnknownType),
    ({"department": "piscine"}, InvalidInput),
    ({"channel": "pigeon"}, InvalidInput),
    ({"citizen_id": 999}, InvalidInput),
    ({"pin": "12"}, InvalidInput),
    ({"citizen": NewCitizen(name="X", phones=("08 99 12",))}, InvalidInput),
    ({"subject": "x" * 256}, InvalidInput),  # PostgreSQL would refuse it, SQLite not
    ({"description": "a\x00b"}, InvalidInput),
    ({"agent": "a" * 65}, InvalidInput),
])
def test_refused_creations_store_nothing(store: Store, kwargs: dict, error: type) -> None:
    kwargs = {"type_id": "passeport", **kwargs}
    with pytest.raises(error) as caught:
        repo.create_request(store, RULES, at=T0, actor="api", **kwargs)
    assert caught.value.message[0].isupper()  # a French sentence, not a traceback
    assert (count(store, Request), count(store, Citizen), count(store, RequestEvent)) == (0, 0, 0)


class Colliding(random.Random):
    """Draws the same reference twice, then a fresh one: exercises the retry."""

    def __init__(self, first: str) -> None:
        super().__init__(1)
        self.values = [int(first[:9]), int(first[:9])]

    def randrange(self, *args, **kwargs) -> int:  # type: ignore[override]
        return self.values.pop(0) if self.values else super().randrange(*args, **kwargs)


def test_a_reference_collision_is_retried(store: Store) -> None:
    first = new(store, rng=random.Random(3))
    assert first.reference == new_reference(random.Random(3))
    second = new(store, rng=Colliding(first.reference))
    assert second.reference != first.reference and count(store, Request) == 2


@pytest.mark.parametrize("type_id", sorted(RULES.request_types))
def test_forbidden_transitions_write_nothing(store: Store, type_id: str) -> None:
    """From every status of the type, every move its ``next`` does not list is refused."""
    view = new(store, type_id)
    statuses = lifecycle.workflow(RULES, type_id).statuses
    for origin, status in statuses.items():
        with store.session() as session:  # put the request there directly
            session.execute(update(Request).where(Request.id == view.id)
                            .values(status=origin, version=1))
        for target in statuses:
            if target in status.next:
                continue
            with pytest.raises(ForbiddenTransition):
                repo.change_status(store, RULES, view.reference, target, actor="a", at=T0)
        with pytest.raises(UnknownStatus):
            repo.change_status(store, RULES, view.reference, "perdu", actor="a", at=T0)
        after = repo.get_request(store, view.reference)
        assert (after.status, after.version, len(after.events)) == (origin, 1, 1)


def walk(store: Store, reference: str, steps: list[tuple[str, date]]) -> repo.RequestView:
    view = repo.get_request(store, reference)
    for status, day in steps:
        view = repo.change_status(store, RULES, reference, status, actor="agent", at=at(day),
                                  note=f"vers {status}", expected_version=view.version)
    return view


def test_the_clock_stops_while_waiting_for_the_citizen(store: Store) -> None:
    view = repo.create_request(store, RULES, type_id="carte-identite", actor="guichet",
                               at=at(date(2026, 12, 21)))
    assert view.due_at.date() == date(2027, 2, 3)
    waiting = walk(store, view.reference, [("en-instruction", date(2026, 12, 21)),
                                           ("a-completer", date(2026, 12, 22))])
    assert waiting.clock_stopped_at == at(date(2026, 12, 22))
    assert not waiting.is_late(at(date(2027, 6, 1)))  # waiting for the citizen is never late
    resumed = walk(store, view.reference, [("en-instruction", date(2026, 12, 29))])
    assert resumed.clock_stopped_at is None and resumed.due_at.date() == date(2027, 2, 9)
    done = walk(store, view.reference, [("en-production", date(2027, 1, 4)),
                                        ("disponible", date(2027, 1, 5)),
                                        ("remis", date(2027, 1, 12))])
    assert done.closed_at == at(date(2027, 1, 12)) and done.due_at.date() == date(2027, 2, 16)
    history = repo.get_request(store, view.reference).events
    assert [e.to_status for e in history] == [
        "depose", "en-instruction", "a-completer", "en-instruction", "en-production",
        "disponible", "remis"]
    assert history[-1].note == "vers remis" and done.version == 7


def test_expected_version_mismatch_is_stale(store: Store) -> None:
    view = new(store)
    repo.change_status(store, RULES, view.reference, "en-instruction", actor="agent-a", at=T0,
                       expected_version=view.version)
    with pytest.raises(StaleVersion, match="modifiée entre-temps"):
        repo.change_status(store, RULES, view.reference, "a-completer", actor="agent-b", at=T0,
                           expected_version=view.version)
    assert [e.actor for e in repo.get_request(store, view.reference).events] == [
        "guichet", "agent-a"]


def test_two_sessions_racing_one_wins_the_other_is_stale(store: Store) -> None:
    """Agent B read the request before agent A's change committed: B's UPDATE finds no row."""
    view = new(store)

    def agent_b(session: Session, row: Request) -> None:
        repo.change_status(store, RULES, view.reference, "en-instruction", actor="agent-a",
                           at=T0)  # another connection commits in between
        repo._move(session, RULES, row, "a-completer", "agent-b", T0, None)

    with pytest.raises(StaleVersion, match="vient d'être modifiée"):
        repo._committed(store, view.reference, agent_b)
    after = repo.get_request(store, view.reference)
    assert (after.status, after.version) == ("en-instruction", 2)
    assert [(e.actor, e.to_status) for e in after.events] == [
        ("guichet", "depose"), ("agent-a", "en-instruction")]


def test_unknown_and_mistyped_references(store: Store) -> None:
    view = new(store)
    typo = view.reference[:-1] + str((int(view.reference[-1]) + 1) % 10)
    with pytest.raises(InvalidReference):
        repo.get_request(store, typo)
    unknown = new_reference(random.Random(99))
    with pytest.raises(UnknownReference, match="Aucune demande"):
        repo.change_status(store, RULES, unknown, "en-instruction", actor="a", at=T0)


def test_worklist_puts_late_first_then_by_due_date(store: Store) -> None:
    slow = new(store, "passeport")  # due in 30 working days
    fast = new(store, "signalement-proprete")  # due in 3
    old = repo.create_request(store, RULES, type_id="reclamation", actor="a",
                              at=T0 - timedelta(days=60))
    waiting = repo.create_request(store, RULES, type_id="acte-naissance", actor="a",
                                  at=T0 - timedelta(days=90))
    repo.change_status(store, RULES, waiting.reference, "a-completer", actor="a", at=T0)
    closed = new(store, "acte-deces")
    repo.change_status(store, RULES, closed.reference, "envoyee", actor="a", at=T0)
    now = T0 + timedelta(days=1)
    listed = [v.reference for v in repo.worklist(store, now=now)]
    assert listed == [old.reference, waiting.reference, fast.reference, slow.reference]
    assert [v.reference for v in repo.worklist(store, now=now, late_only=True)] == [old.reference]
    assert [v.reference for v in repo.worklist(store, now=now, department="titres-identite")] \
        == [slow.reference]
    assert len(repo.worklist(store, now=now, include_closed=True)) == 5
    assert len(repo.worklist(store, now=now, limit=2, offset=3)) == 1


def test_assign_search_link_and_verification(store: Store) -> None:
    citizen = NewCitizen(name="Paul", phones=("+33 6 11 22 33 44",), emails=("Paul@Ex.fr",),
                         birth_date=date(1990, 1, 2))
    card = new(store, citizen=citizen)
    with pytest.raises(InvalidInput, match="minimisation des données"):
        new(store, "place-creche", citizen=citizen, pin="4321")  # no birth date for this type
    parent = NewCitizen(phones=("06 11 22 33 44",))
    creche = new(store, "place-creche", citizen=parent, pin="4321")
    moved = repo.assign(store, RULES, card.reference, agent="marie", actor="chef", at=T0,
                        department="etat-civil", expected_version=card.version)
    assert (moved.agent, moved.department, moved.version) == ("marie", "etat-civil", 2)
    last = repo.get_request(store, card.reference).events[-1]
    assert (last.kind, last.note) == ("assigned", "attribuée à marie (etat-civil)")
    with pytest.raises(InvalidInput):
        repo.assign(store, RULES, card.reference, agent="x", actor="chef", at=T0, department="zoo")
    found = repo.search(store, phone="06 11 22 33 44")
    assert {v.reference for v in found} == {card.reference, creche.reference}
    assert repo.search(store, email="paul@ex.fr")[0].citizen_id == card.citizen_id
    assert repo.search(store, phone="06 99 99 99 99") == []
    with store.session() as session:
        contact = Contact(call_id="call-1", started_at=T0)
        session.add(contact)
        session.flush()
        contact_id = contact.id
    repo.link_contact(store, contact_id, card.reference)
    assert repo.get_request(store, card.reference).contact_ids == (contact_id,)
    assert repo.verify_caller(store, RULES, card.reference, birth_date=date(1990, 1, 2))
    assert not repo.verify_caller(store, RULES, card.reference, birth_date=date(1990, 2, 1))
    assert repo.verify_caller(store, RULES, creche.reference, pin="4321")
    assert not repo.verify_caller(store, RULES, creche.reference, pin="1234")
    assert repo.verify_caller(store, RULES, new(store, "reclamation").reference)


@pytest.mark.parametrize("kwargs", [{"note": "\x00"}, {"actor": " "}, {"actor": "x" * 65}])
def test_bad_notes_and_actors_write_nothing(store: Store, kwargs: dict) -> None:
    view = new(store)
    with pytest.raises(InvalidInput):
        repo.change_status(store, RULES, view.reference, "en-instruction",
                           **{"actor": "agent", "at": T0, **kwargs})
    after = repo.get_request(store, view.reference)
    assert (after.status, after.version, len(after.events)) == ("depose", 1, 1)
