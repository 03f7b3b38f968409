"""The durable writer against real SQLite and PostgreSQL: round trip, order, replay, outages."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ivr.store.db import Store
from ivr.store.models import Contact, ContactEvent
from ivr.store.spool import SpoolLocked
from ivr.store.writer import StoreWriter
from tests.fixtures.db import Outage
from tests.fixtures.store import T0, UNREACHABLE, fast_writer


def write_call(writer: StoreWriter, call_id: str, target: str = "etat-civil") -> None:
    """One complete call: start, three events, routing facts, end."""
    writer.start_contact(call_id, T0, "+33612345678", "+33123456789", ref=f"ref-{call_id}")
    writer.event(call_id, "answered", T0)
    writer.event(call_id, "dtmf", T0 + timedelta(seconds=4), digit="1")
    writer.update_contact(call_id, target=target, routed_by="dtmf", menu_path="1")
    writer.event(call_id, "queue_join", T0 + timedelta(seconds=5), queue=target)
    writer.finish_contact(call_id, T0 + timedelta(seconds=60), "answered", wait_seconds=12.5)


def counts(store: Store) -> tuple[int, int, int]:
    with store.session() as session:
        return (
            session.scalar(select(func.count()).select_from(Contact)) or 0,
            session.scalar(select(func.count(func.distinct(Contact.call_id)))) or 0,
            session.scalar(select(func.count()).select_from(ContactEvent)) or 0,
        )


def spooled_ops(tmp_path: Path, write: Callable[[StoreWriter], None]) -> Path:
    """A spool left by a process whose database never answered."""
    spool = tmp_path / "left-spool"
    writer = fast_writer(Store(UNREACHABLE, connect_timeout=1), spool)
    write(writer)
    writer.close(timeout=2)
    assert writer.pending > 0
    return spool


def test_round_trip(store: Store, tmp_path: Path) -> None:
    writer = fast_writer(store, tmp_path / "spool")
    write_call(writer, "chan-1")
    assert writer.flush(10)
    writer.close()
    with store.session() as session:
        contact = session.scalars(select(Contact)).one()
        kinds = [(e.seq, e.kind, e.data) for e in contact.events]
    assert (contact.call_id, contact.ref, contact.caller) == (
        "chan-1",
        "ref-chan-1",
        "+33612345678",
    )
    assert (contact.target, contact.routed_by, contact.outcome) == (
        "etat-civil",
        "dtmf",
        "answered",
    )
    assert contact.started_at == T0 and contact.ended_at == T0 + timedelta(seconds=60)
    assert contact.wait_seconds == 12.5 and contact.op_seq > max(e[0] for e in kinds)
    assert [(kind, data) for _seq, kind, data in kinds] == [
        ("answered", None),
        ("dtmf", {"digit": "1"}),
        ("queue_join", {"queue": "etat-civil"}),
    ]
    assert writer.pending == 0 and writer.healthy


def test_events_keep_call_order(store: Store, tmp_path: Path) -> None:
    writer = fast_writer(store, tmp_path / "spool")
    for n in range(50):
        writer.event("chan-o", "menu", T0 + timedelta(seconds=n), step=n)
        writer.event("chan-p", "menu", T0, step=n)
    assert writer.flush(10)
    writer.close()
    with store.session() as session:
        steps = session.scalars(
            select(ContactEvent.data)
            .join(Contact)
            .where(Contact.call_id == "chan-o")
            .order_by(ContactEvent.seq)
        ).all()
    assert [s["step"] for s in steps] == list(range(50))


def test_last_writer_wins_by_seq(store: Store, tmp_path: Path) -> None:
    writer = fast_writer(store, tmp_path / "spool")
    writer.start_contact("chan-l", T0, "+33600000000", "+33100000000")
    writer.update_contact("chan-l", target="accueil")
    writer.update_contact("chan-l", target="urbanisme")
    assert writer.flush(10)
    writer.close()
    with store.session() as session:
        assert session.scalars(select(Contact.target)).one() == "urbanisme"


def test_replaying_the_same_spool_twice_duplicates_nothing(store: Store, tmp_path: Path) -> None:
    spool = spooled_ops(tmp_path, lambda w: [write_call(w, f"chan-{n}") for n in range(5)])
    copy = tmp_path / "copy"
    shutil.copytree(spool, copy, ignore=shutil.ignore_patterns("spool.lock"))
    for directory in (spool, copy):
        writer = fast_writer(store, directory)
        assert writer.flush(10)
        writer.close()
        assert counts(store) == (5, 5, 15)
    with store.session() as session:
        assert set(session.scalars(select(Contact.outcome))) == {"answered"}


def test_restart_replays_spool_and_continues_seq(store: Store, tmp_path: Path) -> None:
    spool = spooled_ops(tmp_path, lambda w: write_call(w, "chan-r"))
    writer = fast_writer(store, spool)
    writer.event("chan-r", "late_fact", T0 + timedelta(minutes=2))
    assert writer.flush(10)
    writer.close()
    with store.session() as session:
        events = session.scalars(select(ContactEvent).order_by(ContactEvent.seq)).all()
    assert [e.kind for e in events] == ["answered", "dtmf", "queue_join", "late_fact"]
    assert not list(spool.glob("*.jsonl"))


def test_torn_last_line_is_skipped(store: Store, tmp_path: Path) -> None:
    spool = spooled_ops(tmp_path, lambda w: write_call(w, "chan-t"))
    segment = sorted(spool.glob("*.jsonl"))[-1]
    with segment.open("a") as handle:
        handle.write('{"op":"event","call_id":"chan-t","se')
    writer = fast_writer(store, spool)
    assert writer.flush(10)
    writer.close()
    assert counts(store) == (1, 1, 3)


def test_refused_op_does_not_block_the_spool(store: Store, tmp_path: Path) -> None:
    writer = fast_writer(store, tmp_path / "spool")
    writer.start_contact("chan-bad", T0, "x", "y", channel="fax")  # violates a CHECK
    write_call(writer, "chan-good")
    assert writer.flush(10)
    writer.close()
    with store.session() as session:
        assert session.scalars(select(Contact.call_id).where(Contact.channel == "phone")).all() == [
            "chan-good"
        ]


def test_unknown_field_and_naive_time_are_programming_errors(tmp_path: Path) -> None:
    writer = fast_writer(Store(UNREACHABLE, connect_timeout=1), tmp_path / "spool")
    with pytest.raises(ValueError, match="unknown contact fields"):
        writer.update_contact("c", colour="blue")
    with pytest.raises(ValueError, match="naive"):
        writer.event("c", "answered", datetime(2026, 12, 2, 9, 30))
    with pytest.raises(ValueError, match="ContactOutcome"):
        writer.finish_contact("c", T0, "hung_up")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="ContactOutcome"):
        writer.update_contact("c", outcome="transfered")
    with pytest.raises(ValueError, match="no call id"):  # it failed whole batches
        writer.finish_contact("", T0, "answered")
    assert writer.pending == 0
    writer.close(timeout=2)


# A segment as the writer spooled it before the call flow's commands were typed: a
# spool left by an older process must still replay (its op names are the disk format).
OLD_SEGMENT = """\
{"call_id":"chan-old","seq":1,"ts":"2026-12-02T09:30:00+00:00","op":"start","fields":{"started_at":"2026-12-02T09:30:00+00:00","caller":"+33612345678","called":"3000","channel":"phone","direction":"inbound"}}
{"call_id":"chan-old","seq":2,"ts":"2026-12-02T09:30:04+00:00","op":"event","kind":"dtmf","at":"2026-12-02T09:30:04+00:00","data":{"digit":"1","menu":"principal","meaning":"target"}}
{"call_id":"chan-old","seq":3,"ts":"2026-12-02T09:30:04+00:00","op":"update","fields":{"target":"etat-civil","routed_by":"dtmf","menu_path":"1"}}
{"call_id":"chan-old","seq":4,"ts":"2026-12-02T09:30:05+00:00","op":"frobnicate","fields":{}}
{"call_id":"chan-old","seq":5,"ts":"2026-12-02T09:30:20+00:00","op":"finish","fields":{"ended_at":"2026-12-02T09:30:20+00:00","outcome":"closed"}}
"""


def test_a_spool_written_by_the_previous_format_replays(store: Store, tmp_path: Path) -> None:
    """An op name nothing knows is refused alone; the others are applied."""
    spool = tmp_path / "spool"
    spool.mkdir()
    (spool / "000000000001.jsonl").write_text(OLD_SEGMENT)
    writer = fast_writer(store, spool)
    assert writer.flush(10)
    writer.close()
    with store.session() as session:
        contact = session.scalars(select(Contact)).one()
        events = [(e.seq, e.kind) for e in contact.events]
    assert (contact.call_id, contact.target, contact.routed_by, contact.outcome) == (
        "chan-old", "etat-civil", "dtmf", "closed")
    assert contact.ended_at == T0 + timedelta(seconds=20) and contact.op_seq == 5
    assert events == [(2, "dtmf")]


def test_one_process_per_spool(tmp_path: Path) -> None:
    writer = fast_writer(Store(UNREACHABLE, connect_timeout=1), tmp_path / "spool")
    with pytest.raises(SpoolLocked):
        fast_writer(Store(UNREACHABLE), tmp_path / "spool")
    writer.close(timeout=2)


def test_outage_keeps_everything_and_replays_once(
    outage: Outage, store: Store, tmp_path: Path
) -> None:
    writer = fast_writer(outage.store, tmp_path / "spool")
    write_call(writer, "before")
    assert writer.flush(10)  # the pool now holds a connection the outage will kill
    outage.cut()
    for n in range(100):
        write_call(writer, f"chan-{n:03d}")
    assert not writer.flush(1.0)
    assert not writer.healthy
    assert writer.pending == 600
    outage.restore()
    assert writer.flush(30)
    writer.close()
    assert writer.healthy and writer.pending == 0
    assert counts(store) == (101, 101, 303)


def test_call_surviving_a_restart_keeps_its_history(store: Store, tmp_path: Path) -> None:
    """Channels stay in Stasis across an IVR restart: the new process continues the seqs."""
    first = fast_writer(store, tmp_path / "spool")
    first.start_contact("chan-s", T0, "+33600000000", "+33100000000")
    first.event("chan-s", "answered", T0)
    assert first.flush(10)
    first.close()
    second = fast_writer(store, tmp_path / "spool")
    second.event("chan-s", "queue_join", T0 + timedelta(seconds=9))
    second.finish_contact("chan-s", T0 + timedelta(seconds=70), "answered")
    assert second.flush(10)
    second.close()
    with store.session() as session:
        contact = session.scalars(select(Contact)).one()
        assert [e.kind for e in contact.events] == ["answered", "queue_join"]
        assert contact.outcome == "answered"


def test_close_ends_only_a_contact_nothing_else_ended(store: Store, tmp_path: Path) -> None:
    writer = fast_writer(store, tmp_path / "spool")
    end = T0 + timedelta(seconds=9)
    writer.start_contact("handed-off", T0, "+33612345678", None)  # hung up before Queue()
    writer.close_contact("handed-off", end, "abandoned_queue", hangup_stage="handoff:social")
    write_call(writer, "answered")  # its finish came first: the hang-up changes nothing
    writer.close_contact("answered", end, "abandoned_queue", hangup_stage="handoff:etat-civil")
    writer.start_contact("early", T0, None, None)  # the hang-up's fact overtook the agent's
    writer.close_contact("early", end, "abandoned_queue", hangup_stage="handoff:social")
    writer.finish_contact("early", T0 + timedelta(seconds=60), "answered", agent="agent-social-1")
    assert writer.flush(10)
    writer.close()
    with store.session() as session:
        ended = {c.call_id: (c.outcome, c.hangup_stage, c.ended_at.replace(tzinfo=None))
                 for c in session.scalars(select(Contact))}
    assert ended == {
        "handed-off": ("abandoned_queue", "handoff:social", end.replace(tzinfo=None)),
        "answered": ("answered", None, (T0 + timedelta(seconds=60)).replace(tzinfo=None)),
        "early": ("answered", "handoff:social", (T0 + timedelta(seconds=60)).replace(tzinfo=None)),
    }
