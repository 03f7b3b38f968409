"""A callback promised during a call goes through the durable writer: linked to the
contact, kept while the database is away, created once even when replayed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from ivr.store.apply import apply_ops
from ivr.store.db import Store
from ivr.store.models import Callback, Contact, ContactEvent
from ivr.store.spool import read_segment
from tests.fixtures.store import T0, UNREACHABLE, fast_writer

DUE = T0 + timedelta(hours=20)


def promise(writer, call_id: str = "chan-cb") -> None:
    writer.start_contact(call_id, T0, "+33612345678", "3000", ref=f"ref-{call_id}")
    writer.request_callback(call_id, T0 + timedelta(seconds=30), "etat-civil",
                            "+33612345678", DUE, DUE + timedelta(hours=2), 3)
    writer.finish_contact(call_id, T0 + timedelta(seconds=40), "callback_requested")


def callbacks(store: Store) -> list[tuple]:
    with store.session() as session:
        return [tuple(row) for row in session.execute(
            select(Callback.number, Callback.target, Callback.state, Callback.due_at,
                   Callback.promised_before, Callback.max_attempts, Contact.outcome)
            .join(Contact, Contact.id == Callback.contact_id))]


def test_callback_is_linked_to_its_contact(store: Store, tmp_path: Path) -> None:
    writer = fast_writer(store, tmp_path / "spool")
    promise(writer)
    assert writer.flush()
    writer.close()
    assert callbacks(store) == [("+33612345678", "etat-civil", "pending", DUE,
                                 DUE + timedelta(hours=2), 3, "callback_requested")]
    with store.session() as session:
        kinds = set(session.scalars(select(ContactEvent.kind)))
    assert {"callback_promised", "callback_requested"} <= kinds


def test_promise_made_while_the_database_is_down_is_kept_and_applied_once(
        store: Store, tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    down = fast_writer(Store(UNREACHABLE, connect_timeout=1), spool)
    promise(down)
    down.close(timeout=2)
    assert down.pending == 3
    segments = sorted(spool.glob("[0-9]*.jsonl"), key=lambda p: int(p.stem))
    ops = [op for segment in segments for op in read_segment(segment)]
    assert [op["op"] for op in ops] == ["start", "callback", "finish"]
    with store.session() as session:  # a replay of an already committed segment
        apply_ops(session, ops)
    back = fast_writer(store, spool)  # the next process replays the spool
    assert back.flush()
    back.close()
    assert len(callbacks(store)) == 1
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Callback)) == 1
    assert callbacks(store)[0][3] == DUE.astimezone(UTC)
    assert datetime.fromisoformat(ops[1]["callback"]["due_at"]) == DUE
