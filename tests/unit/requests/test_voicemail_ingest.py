"""Voicemail messages become requests exactly once, on SQLite and PostgreSQL: create or
join, the contact linked, the audio kept in the attachment area, the spool emptied only
after the commit, nothing lost while the database is away."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ivr.requests import voicemail as vm
from ivr.requests.adapters.voicemail_spool import VoicemailIngestor, pending
from ivr.speech import SpeechEngine
from ivr.store import requests as repo
from ivr.store.attachments import attachment_file
from ivr.store.citizens import find_citizen
from ivr.store.db import Store
from ivr.store.models import Contact, Request, VoicemailIngest
from ivr.store.voicemail import ingest_message
from tests.fixtures.db import Outage
from tests.fixtures.requests import RULES, T0
from tests.fixtures.voicemail import leave_message, wav_seconds

pytestmark = pytest.mark.pg


class Clock:
    """The instant the ingestor sees; tests move it."""

    def __init__(self) -> None:
        self.at = T0

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def spool(tmp_path: Path) -> Path:
    return tmp_path / "voicemail" / "townhall"


@pytest.fixture
def clock() -> Clock:
    return Clock()


def ingestor(store: Store, spool: Path, area: Path, clock: Clock,
             speech: SpeechEngine | None = None) -> VoicemailIngestor:
    return VoicemailIngestor(spool, store, lambda: RULES, area, clock, speech=speech)


def add_contact(store: Store, call_id: str) -> int:
    with store.session() as session:
        contact = Contact(call_id=call_id, ref=call_id, started_at=T0, caller="0612345678")
        session.add(contact)
        session.flush()
        return contact.id


def contact_request(store: Store, contact_id: int) -> int | None:
    with store.session() as session:
        return session.get_one(Contact, contact_id).request_id


def count(store: Store, model: type[Request] | type[VoicemailIngest]) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_message_becomes_a_request_of_its_department_once(
        store: Store, spool: Path, tmp_path: Path, clock: Clock) -> None:
    area = tmp_path / "attachments"
    contact_id = add_contact(store, "1796112000.42")
    leave_message(spool, "etat-civil", seconds=3.0)
    report = ingestor(store, spool, area, clock).sweep()
    assert len(report.ingested) == 1 and report.removed == 1
    assert pending(spool) == [] and list((spool / "etat-civil" / "INBOX").iterdir()) == []
    citizen = find_citizen(store, phone="+33612345678")
    assert citizen is not None and citizen.phones == ("+33612345678",)
    [view] = repo.worklist(store, now=T0, department="etat-civil")
    assert (view.type, view.citizen_id, view.status, view.channel) == (
        "message-vocal", citizen.id, "recue", "phone")
    assert view.subject == "Message vocal de +33612345678"
    full = repo.get_request(store, view.reference)
    [audio] = full.attachments
    assert (audio.mime, audio.actor) == ("audio/wav", "messagerie")
    assert wav_seconds(attachment_file(area, audio).read_bytes()) == pytest.approx(3.0)
    assert full.contact_ids == (contact_id,) and contact_request(store, contact_id) == view.id
    # the same message again (Asterisk's file left behind, another process): nothing new
    leave_message(spool, "etat-civil", seconds=3.0)
    again = ingestor(store, spool, area, clock).sweep()
    assert (again.ingested, again.removed) == ([], 1) and pending(spool) == []
    assert count(store, Request) == 1 and len(repo.get_request(store, view.reference)
                                              .attachments) == 1


def test_the_same_caller_joins_the_open_request_then_a_new_one_after_closing(
        store: Store, spool: Path, tmp_path: Path, clock: Clock) -> None:
    area = tmp_path / "attachments"
    worker = ingestor(store, spool, area, clock)
    leave_message(spool, "accueil", 0, origtime=1796112000, msg_id="1796112000-1")
    leave_message(spool, "accueil", 1, origtime=1796112600, msg_id="1796112600-2",
                  call_id="1796112600.7")
    leave_message(spool, "etat-civil", 0, origtime=1796112900, msg_id="1796112900-3")
    assert len(worker.sweep().ingested) == 3
    accueil = repo.worklist(store, now=T0, department="accueil")
    assert len(accueil) == 1 and len(repo.worklist(store, now=T0, department="etat-civil")) == 1
    joined = repo.get_request(store, accueil[0].reference)
    assert len(joined.attachments) == 2
    [note] = [e for e in joined.events if e.kind == "note"]
    assert note.note is not None and note.note.startswith("Nouveau message vocal.")
    assert note.actor == "messagerie" and note.to_status == "recue"
    repo.change_status(store, RULES, joined.reference, "repondue", actor="agent", at=T0)
    leave_message(spool, "accueil", 0, origtime=1796113000, msg_id="1796113000-4")
    assert len(worker.sweep().ingested) == 1
    fresh = repo.worklist(store, now=T0, department="accueil")
    assert [r.reference for r in fresh] != [joined.reference] and len(fresh) == 1


def test_withheld_numbers_make_separate_requests_without_a_citizen(
        store: Store, spool: Path, tmp_path: Path, clock: Clock) -> None:
    worker = ingestor(store, spool, tmp_path / "a", clock)
    leave_message(spool, "accueil", 0, callerid="anonymous", msg_id="1-1")
    leave_message(spool, "accueil", 1, callerid="anonymous", msg_id="1-2")
    worker.sweep()
    views = repo.worklist(store, now=T0, department="accueil")
    assert len(views) == 2 and {v.citizen_id for v in views} == {None}


def test_a_crash_between_commit_and_removal_removes_without_a_second_request(
        store: Store, spool: Path, tmp_path: Path, clock: Clock) -> None:
    area = tmp_path / "attachments"
    txt = leave_message(spool, "etat-civil")
    message = vm.parse_metadata(txt.read_text(), "etat-civil", "msg0000")
    first = ingest_message(store, RULES, area, message, txt.with_suffix(".wav").read_bytes(),
                           at=T0)
    assert first.created  # committed, and the process died before removing the files
    report = ingestor(store, spool, area, clock).sweep()
    assert (report.ingested, report.removed, pending(spool)) == ([], 1, [])
    assert count(store, Request) == 1 and count(store, VoicemailIngest) == 1


def test_a_contact_written_after_its_message_is_linked_by_a_later_sweep(
        store: Store, spool: Path, tmp_path: Path, clock: Clock) -> None:
    worker = ingestor(store, spool, tmp_path / "a", clock)
    leave_message(spool, "etat-civil", call_id="late.1")
    worker.sweep()  # the contact is still in the writer's spool
    contact_id = add_contact(store, "late.1")
    assert worker.sweep().linked == 1
    [view] = repo.worklist(store, now=T0, department="etat-civil")
    assert contact_request(store, contact_id) == view.id


def test_a_message_without_a_call_id_goes_in_unlinked(
        store: Store, spool: Path, tmp_path: Path, clock: Clock) -> None:
    contact_id = add_contact(store, "1796112000.42")
    leave_message(spool, "etat-civil", call_id="")
    assert len(ingestor(store, spool, tmp_path / "a", clock).sweep().ingested) == 1
    assert contact_request(store, contact_id) is None and pending(spool) == []


def test_unusable_messages_stay_in_the_spool_and_do_not_stop_the_others(
        store: Store, spool: Path, tmp_path: Path, clock: Clock) -> None:
    leave_message(spool, "etat-civil", 0, msg_id="ok-1")
    bad = leave_message(spool, "etat-civil", 1, msg_id="bad-1")
    bad.write_text("[message]\norigtime=tomorrow\n")
    unknown = leave_message(spool, "piscine", 0, msg_id="ok-2")  # no such department
    half = leave_message(spool, "accueil", 0, msg_id="ok-3")
    half.with_suffix(".wav").unlink()  # Asterisk has not moved the recording yet
    report = ingestor(store, spool, tmp_path / "a", clock).sweep()
    assert (len(report.ingested), report.waiting) == (1, 3)
    assert {m.txt for m in pending(spool)} == {bad, unknown, half}


def test_two_processes_sweeping_together_make_one_request_per_message(
        store: Store, spool: Path, tmp_path: Path, clock: Clock) -> None:
    area = tmp_path / "attachments"
    for number in range(4):
        leave_message(spool, "accueil", number, msg_id=f"m-{number}",
                      callerid=f"06123456{number:02d}")
    workers = [ingestor(Store(store.url), spool, area, clock) for _ in range(2)]
    with ThreadPoolExecutor(2) as pool:
        reports = list(pool.map(lambda w: w.sweep(), workers))
    assert sum(len(r.ingested) for r in reports) == 4
    assert count(store, Request) == 4 and count(store, VoicemailIngest) == 4
    assert pending(spool) == []
    files = sorted(p for p in area.rglob("*") if p.is_file())
    assert len(files) == 4  # no orphan file from the process that lost a race
    for worker in workers:
        worker.store.dispose()


def test_a_database_outage_delays_messages_and_loses_none(
        outage: Outage, store: Store, spool: Path, tmp_path: Path, clock: Clock) -> None:
    area = tmp_path / "attachments"
    worker = ingestor(outage.store, spool, area, clock)
    leave_message(spool, "etat-civil", 0, msg_id="o-1")
    assert len(worker.sweep().ingested) == 1  # the pool now holds a connection
    outage.cut()
    try:
        leave_message(spool, "etat-civil", 1, msg_id="o-2", callerid="0698765432")
        report = worker.sweep()
        assert (report.ingested, report.waiting, len(pending(spool))) == ([], 1, 1)
        assert not area.exists() or len([p for p in area.rglob("*") if p.is_file()]) == 1
    finally:
        outage.restore()
    assert len(worker.sweep().ingested) == 1 and pending(spool) == []
    assert count(store, Request) == 2


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_with_a_speech_model_the_message_is_transcribed(
        store: Store, spool: Path, tmp_path: Path, clock: Clock,
        vosk_test_engine: SpeechEngine) -> None:
    leave_message(spool, "etat-civil", seconds=2.0)
    ingestor(store, spool, tmp_path / "a", clock, vosk_test_engine).sweep()
    [view] = repo.worklist(store, now=T0, department="etat-civil")
    assert view.description is not None
    assert "\nTranscription automatique : " in view.description


def test_the_spool_reader_ignores_files_that_are_not_messages(spool: Path) -> None:
    txt = leave_message(spool, "accueil")
    (txt.parent / "greet.txt").write_text("[message]\n")
    (txt.parent.parent / "tmp").mkdir()
    shutil.copy(txt, txt.parent.parent / "tmp" / "msg0000.txt")
    assert [m.txt for m in pending(spool)] == [txt]
