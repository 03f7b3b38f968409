"""Two IVR processes' writers may create the same call's contact at once (each records
the AMI queue facts of every call, each from its own spool): the second insert keeps the
row and its op still applies — before, it was refused and the call's start was lost."""

from __future__ import annotations

import pytest

from ivr.store import apply
from ivr.store.apply import apply_ops
from ivr.store.db import Store
from ivr.store.models import Contact

CALL = "townhall-test-1.7"
FACT = {"op": "event", "call_id": CALL, "seq": 10, "ts": "2026-12-01T09:00:05+00:00",
        "at": "2026-12-01T09:00:05+00:00", "kind": "queue_join", "data": {"queue": "accueil"}}
START = {"op": "start", "call_id": CALL, "seq": 5, "ts": "2026-12-01T09:00:00+00:00",
         "fields": {"started_at": "2026-12-01T09:00:00+00:00", "ref": "ref-1",
                    "caller": "0612345678"}}


def test_a_row_another_writer_just_created_takes_the_op(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    with store.session() as other:  # the other process's writer: its fact came first
        apply_ops(other, [FACT])
    loaded = apply._load
    stale = iter([True])  # the row was not there yet when this writer looked
    monkeypatch.setattr(apply, "_load", lambda session, ids: {} if next(stale, False)
                        else loaded(session, ids))
    with store.session() as session:
        apply_ops(session, [START])
    with store.session() as session:
        [contact] = session.query(Contact).filter_by(call_id=CALL).all()
        assert (contact.ref, contact.caller) == ("ref-1", "0612345678")
        assert [event.kind for event in contact.events] == ["queue_join"]


def test_a_start_replayed_after_a_newer_fact_still_fills_the_contact(store: Store) -> None:
    """After an outage each process replays its own spool: another process's later
    fact (queue facts carry Asterisk's time) may be applied before the call's start."""
    later = {"op": "update", "call_id": CALL, "seq": 50, "ts": "2026-12-01T09:01:00+00:00",
             "fields": {"queue": "accueil", "caller": "0699999999"}}
    with store.session() as session:
        apply_ops(session, [later])
    with store.session() as session:
        apply_ops(session, [START])
    with store.session() as session:
        [contact] = session.query(Contact).filter_by(call_id=CALL).all()
        assert (contact.ref, contact.queue, contact.caller) == ("ref-1", "accueil", "0699999999")
        assert contact.started_at.isoformat().startswith("2026-12-01T09:00:00")
