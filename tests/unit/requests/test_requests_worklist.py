"""The worklist read as index range scans gives the same order as the plain sort, page by page."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from ivr.requests.reference import new_reference
from ivr.store import requests as repo
from ivr.store.db import Store
from ivr.store.models import Request
from tests.fixtures.requests import T0

pytestmark = pytest.mark.pg
NOW = T0 + timedelta(days=3)
DEPARTMENTS = ("etat-civil", "technique")


def seed(store: Store, count: int = 60) -> None:
    """Late, not yet due, waiting (clock stopped) and closed requests, with due-date ties."""
    rng = random.Random(7)
    rows = []
    for n in range(count):
        due = NOW + timedelta(days=rng.randrange(-5, 6))  # many ties, on both sides of NOW
        state = rng.choice(("running", "running", "stopped", "closed"))
        rows.append({
            "reference": new_reference(rng), "type": "demande-information",
            "channel": "phone", "department": DEPARTMENTS[n % 2], "version": 1,
            "status": "recue", "agent": "alice" if n % 3 == 0 else None,
            "created_at": T0, "due_at": due,
            "clock_stopped_at": T0 if state == "stopped" else None,
            "closed_at": T0 if state == "closed" else None,
        })
    with store.session() as session:
        session.execute(insert(Request), rows)


def expected(store: Store, *, department: str | None = None, agent: str | None = None,
             late_only: bool = False) -> list[int]:
    """The worklist order computed in Python: late first, then due date, then id."""
    with store.session() as session:
        rows = session.scalars(select(Request).where(Request.closed_at.is_(None))).all()
    rows = [r for r in rows if (department in (None, r.department))
            and (agent in (None, r.agent))]
    late = [r for r in rows if r.clock_stopped_at is None and r.due_at < NOW]
    if late_only:
        rows = late
    return [r.id for r in sorted(rows, key=lambda r: (r not in late, r.due_at, r.id))]


@pytest.mark.parametrize("filters", [
    {}, {"department": "technique"}, {"late_only": True}, {"agent": "alice"},
    {"department": "etat-civil", "late_only": True},
])
def test_every_page_follows_the_worklist_order(store: Store, filters: dict) -> None:
    seed(store)
    want = expected(store, **filters)
    assert want, "the seed gives each filter something to list"
    for size in (1, 7, 50):
        pages = [v.id for offset in range(0, len(want) + size, size)
                 for v in repo.worklist(store, now=NOW, limit=size, offset=offset, **filters)]
        assert pages == want, size


def test_include_closed_keeps_the_plain_sort(store: Store) -> None:
    seed(store, 20)
    listed = repo.worklist(store, now=NOW, include_closed=True, limit=100)
    assert len(listed) == 20
    assert [v.is_late(NOW) for v in listed] == sorted((v.is_late(NOW) for v in listed),
                                                      reverse=True)
