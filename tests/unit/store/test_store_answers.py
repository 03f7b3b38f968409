"""Dialogues' questions answered from a real store (SQLite and PostgreSQL), and every
way an answer can fail ending as ``Unavailable`` instead of an error in the call."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from sqlalchemy import text

from ivr.flow.queries import Query, Unavailable
from ivr.store.answers import StoreAnswers
from ivr.store.db import Store


@dataclass(frozen=True)
class Count(Query):
    table: str


def count(store: Store, query: Count) -> int:
    with store.session() as session:
        return int(session.scalar(text(f"SELECT count(*) FROM {query.table}")) or 0)


async def test_a_question_is_answered_by_its_function(store: Store) -> None:
    answers = StoreAnswers(store, {Count: count})
    assert await answers(Count("contacts")) == 0


async def test_failures_are_unavailable(store: Store) -> None:
    release = threading.Event()

    def slow(store: Store, query: Query) -> object:
        release.wait(5)
        return "late"

    @dataclass(frozen=True)
    class Slow(Query):
        pass

    answers = StoreAnswers(store, {Count: count, Slow: slow}, timeout=0.2)
    assert await answers(Count("no_such_table")) == Unavailable("store")
    assert await answers(Query()) == Unavailable("unanswerable")
    assert await answers(Slow()) == Unavailable("timeout")
    release.set()
