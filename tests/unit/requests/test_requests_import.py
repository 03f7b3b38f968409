"""Bulk status updates: 1,000 lines with 3 bad ones, re-import, hostile files."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from ivr.requests import lifecycle
from ivr.requests.csv_import import parse_import
from ivr.requests.reference import new_reference
from ivr.store import request_import
from ivr.store import requests as repo
from ivr.store.db import Store
from ivr.store.models import Request, RequestEvent
from tests.fixtures.requests import RULES, T0

pytestmark = pytest.mark.pg
GOOD = 997


def events(store: Store) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(RequestEvent)) or 0


def test_a_thousand_lines_three_bad_then_reimport(store: Store) -> None:
    views = [repo.create_request(store, RULES, type_id="carte-identite", at=T0, actor="ants")
             for _ in range(GOOD + 1)]
    produced, stuck = views[:GOOD], views[GOOD]
    with store.session() as session:  # the titles are being made: skip the steps before
        session.execute(update(Request).where(Request.id != stuck.id)
                        .values(status="en-production", version=Request.version + 1))
    typo = produced[0].reference[:-1] + str((int(produced[0].reference[-1]) + 1) % 10)
    unknown = new_reference(random.Random(12345))
    lines = ["reference;statut;note"] + [f"{v.reference};disponible;lot du 30/11" for v in produced]
    lines[500:500] = [f"{typo};disponible;", f"{unknown};disponible;",
                      f"{stuck.reference};disponible;"]
    data = "\n".join(lines).encode()
    before = events(store)

    report = request_import.apply_import(store, RULES, parse_import(data), actor="import", at=T0)
    assert (report.count("appliquée"), report.count("refusée")) == (GOOD, 3)
    refused = {r.line: r.message for r in report.results if r.outcome == "refusée"}
    assert sorted(refused) == [501, 502, 503]
    assert "mal saisi" in refused[501]
    assert "Aucune demande" in refused[502]
    assert "ne peut pas passer" in refused[503]
    assert events(store) == before + GOOD
    assert repo.get_request(store, stuck.reference).status == "depose"
    sample = repo.get_request(store, produced[-1].reference)
    assert (sample.status, sample.events[-1].note, sample.clock_stopped_at) == (
        "disponible", "lot du 30/11", T0)

    again = request_import.apply_import(store, RULES, parse_import(data), actor="import", at=T0)
    assert (again.count("déjà à jour"), again.count("refusée"), again.count("appliquée")) == (
        GOOD, 3, 0)
    assert events(store) == before + GOOD  # no history line for a line already applied
    assert again.to_dict()["unchanged"] == GOOD


def test_unknown_status_labels_and_fatal_file(store: Store) -> None:
    view = repo.create_request(store, RULES, type_id="signalement-voirie", at=T0, actor="a")
    other = repo.create_request(store, RULES, type_id="signalement-voirie", at=T0, actor="a")
    text = f"{view.reference};réparé\n{view.reference[:5]};transmis\n" \
           f"{other.reference};Transmis aux services techniques\n"
    report = request_import.apply_import(store, RULES, parse_import(text.encode("cp1252")),
                                         actor="i", at=T0)
    assert [(r.line, r.outcome) for r in report.results] == [
        (1, "refusée"), (2, "refusée"), (3, "appliquée")]  # a status may be named by its label
    assert "Statut inconnu" in report.results[0].message
    assert "10 chiffres" in report.results[1].message
    assert repo.get_request(store, view.reference).version == 1
    assert repo.get_request(store, other.reference).status == "transmis"
    empty = request_import.apply_import(store, RULES, parse_import(b""), actor="i", at=T0)
    assert empty.fatal and empty.results == ()


def test_a_request_changed_during_the_batch_costs_one_line_at_most(store: Store) -> None:
    views = [repo.create_request(store, RULES, type_id="carte-identite", at=T0, actor="ants")
             for _ in range(4)]
    raced = views[1]

    def agent_changes_it_meanwhile(session: Session, *_: object) -> None:
        # another agent's transaction commits between the batch's read and its write
        with store.engine.begin() as conn:
            conn.execute(update(Request).where(Request.id == raced.id)
                         .values(status="en-instruction", version=Request.version + 1))

    event.listen(store.sessions, "before_flush", agent_changes_it_meanwhile, once=True)
    data = "\n".join(f"{v.reference};en-instruction" for v in views).encode()
    report = request_import.apply_import(store, RULES, parse_import(data), actor="i", at=T0)
    assert [r.outcome for r in report.results] == [
        "appliquée", "déjà à jour", "appliquée", "appliquée"]  # replayed line by line
    assert {repo.get_request(store, v.reference).status for v in views} == {"en-instruction"}
    assert events(store) == 4 + 3  # the created lines, then one per applied line


def test_one_bad_line_in_a_batch_leaves_its_request_untouched(store: Store) -> None:
    complaint = repo.create_request(store, RULES, type_id="reclamation", at=T0, actor="a")
    card = repo.create_request(store, RULES, type_id="carte-identite", at=T0, actor="a")
    final = sorted(lifecycle.final_statuses(RULES, "reclamation"))[0]
    data = f"{complaint.reference};{final};note\n{card.reference};en-instruction\n".encode()
    report = request_import.apply_import(store, RULES, parse_import(data), actor="i", at=T0)
    assert [r.outcome for r in report.results] == ["refusée", "appliquée"]
    assert "Répondre" in report.results[0].message  # closed only by the answer sent
    assert repo.get_request(store, complaint.reference).version == 1
