"""Helpers shared by the callback tests: contacts and due callbacks in a real store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ivr.callbacks import repository as repo
from ivr.store.db import Store
from ivr.store.models import Callback, Contact

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def add_callbacks(store: Store, count: int, target: str = "etat-civil",
                  max_attempts: int = 3, promised: timedelta = timedelta(hours=2)) -> list[int]:
    """``count`` callbacks due at T0, each with its own contact; returns their ids."""
    ids = []
    with store.session() as session:
        for i in range(count):
            contact = Contact(started_at=T0, caller=f"06123{i:05d}", target=target)
            session.add(contact)
            session.flush()
            row = repo.request_callback(session, contact.id, f"06123{i:05d}", target, T0,
                                        T0 + promised, max_attempts=max_attempts, now=T0)
            ids.append(row.id)
    return ids


def get(store: Store, callback_id: int) -> Callback:
    with store.session() as session:
        row = session.get(Callback, callback_id)
        assert row is not None
        return row
