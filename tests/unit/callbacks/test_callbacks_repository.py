"""State transitions of callbacks on SQLite and PostgreSQL, with their contact events."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from ivr.callbacks import repository as repo
from ivr.store.db import Store
from ivr.store.models import Callback, ContactEvent
from ivr.store.seqs import SEQ_SLOTS, STORE_SLOT
from tests.fixtures.callbacks import T0, add_callbacks, get

pytestmark = pytest.mark.pg
MIN = timedelta(minutes=1)


@pytest.fixture
def one(store: Store) -> int:
    return add_callbacks(store, 1)[0]


def claim(store: Store, now=T0, worker="w1", limit=10, lease=60) -> list[Callback]:
    with store.session() as session:
        return repo.claim_due(session, now, worker, limit, lease)


def dial(store: Store, lease_id: str, now=T0) -> Callback:
    with store.session() as session:
        return repo.mark_dialing(session, lease_id, now, 120)


def events(store: Store, callback_id: int) -> list[str]:
    with store.session() as session:
        rows = session.scalars(select(ContactEvent).order_by(ContactEvent.seq))
        return [e.kind for e in rows if e.data and e.data["callback_id"] == callback_id]


def test_request_stores_e164_and_refuses_premium(store: Store, one: int) -> None:
    assert get(store, one).number.startswith("+336123")
    with store.session() as session, pytest.raises(repo.InvalidNumber) as err:
        repo.request_callback(session, None, "0899123456", "accueil", T0, None, now=T0)
    assert err.value.reason == "premium"


def test_claim_sets_lease_once_then_nothing_left(store: Store, one: int) -> None:
    (row,) = claim(store)
    assert (row.state, row.claimed_by, row.lease_until) == ("claimed", "w1", T0 + 60 * (MIN / 60))
    assert row.lease_id and row.lease_id.endswith(f":{one}")
    assert claim(store, worker="w2") == []


def test_not_due_yet_is_not_claimed(store: Store, one: int) -> None:
    assert claim(store, now=T0 - MIN) == []


def test_claim_respects_limit_priority_and_targets(store: Store) -> None:
    low, high = add_callbacks(store, 2)
    other = add_callbacks(store, 1, target="urbanisme")[0]
    with store.session() as session:
        session.get(Callback, high).priority = 5  # type: ignore[union-attr]
    assert [r.id for r in claim(store, limit=1)] == [high]
    with store.session() as session:
        picked = repo.claim_due(session, T0, "w", 10, 60, targets=["urbanisme"])
    assert [r.id for r in picked] == [other]
    assert get(store, low).state == "pending"


def test_full_success_path_and_events(store: Store, one: int) -> None:
    (row,) = claim(store)
    assert dial(store, row.lease_id).attempts == 1
    with store.session() as session:
        repo.complete(session, row.lease_id, "answered", T0 + MIN)
    done = get(store, one)
    assert (done.state, done.outcome, done.lease_id) == ("done", "answered", None)
    assert events(store, one) == ["callback_requested", "callback_claimed", "callback_dialing",
                                  "callback_done"]


def test_events_take_the_stores_slot_at_their_wall_clock_time(store: Store, one: int) -> None:
    """Never a writer's or a fact's seq, and after the ops written before them (a seq
    from a fixed base sorted before every writer op of the call)."""
    with store.session() as session:
        seqs = list(session.scalars(select(ContactEvent.seq)))
    assert [seq % SEQ_SLOTS for seq in seqs] == [STORE_SLOT]
    assert abs(seqs[0] // SEQ_SLOTS - time.time_ns() // 1000) < 60_000_000


def test_retry_after_busy_then_success(store: Store, one: int) -> None:
    (row,) = claim(store)
    dial(store, row.lease_id)
    with store.session() as session:
        repo.retry_later(session, row.lease_id, "busy", 10 * MIN, T0)
    again = get(store, one)
    assert (again.state, again.attempts, again.next_attempt_at) == ("pending", 1, T0 + 10 * MIN)
    assert claim(store, now=T0 + 9 * MIN) == []
    (row,) = claim(store, now=T0 + 10 * MIN)
    assert dial(store, row.lease_id, T0 + 10 * MIN).attempts == 2
    with store.session() as session:
        repo.complete(session, row.lease_id, "answered", T0 + 11 * MIN)
    assert get(store, one).state == "done"
    assert events(store, one).count("callback_retry") == 1


def test_failed_after_max_attempts(store: Store) -> None:
    (cid,) = add_callbacks(store, 1, max_attempts=2)
    now = T0
    for _ in range(2):
        (row,) = claim(store, now=now)
        dial(store, row.lease_id, now)
        with store.session() as session:
            last = repo.retry_later(session, row.lease_id, "no_answer", 10 * MIN, now)
        now += 10 * MIN
    assert (last.state, last.attempts, last.next_attempt_at) == ("failed", 2, None)
    assert claim(store, now=now + 60 * MIN) == []
    assert events(store, cid)[-1] == "callback_failed"


def test_stale_lease_cannot_dial_or_complete(store: Store, one: int) -> None:
    (row,) = claim(store)
    with pytest.raises(repo.TransitionRefused):
        dial(store, row.lease_id, now=T0 + 2 * MIN)  # lease of 60 s expired
    with store.session() as session, pytest.raises(repo.TransitionRefused):
        repo.complete(session, row.lease_id, "answered", T0)


def test_release_expired_claimed_goes_back_to_pending(store: Store, one: int) -> None:
    claim(store)
    with store.session() as session:
        released, interrupted = repo.release_expired(session, T0 + 2 * MIN)
    assert ([r.id for r in released], interrupted) == ([one], [])
    assert get(store, one).state == "pending"
    assert len(claim(store, now=T0 + 2 * MIN, worker="w2")) == 1


def test_expired_dialing_is_flagged_not_redialled(store: Store, one: int) -> None:
    (row,) = claim(store)
    dial(store, row.lease_id)
    later = T0 + 5 * MIN
    with store.session() as session:
        released, interrupted = repo.release_expired(session, later)
        assert repo.release_expired(session, later) == ([], [])  # flagged once
    assert (released, [r.id for r in interrupted]) == ([], [one])
    flagged = get(store, one)
    assert (flagged.state, flagged.outcome) == ("dialing", repo.INTERRUPTED)
    assert claim(store, now=later) == []
    with store.session() as session:  # the slow worker's late result still lands
        repo.complete(session, row.lease_id, "answered", later)
    assert get(store, one).state == "done"


def test_agent_takes_over_an_interrupted_call(store: Store, one: int) -> None:
    (row,) = claim(store)
    dial(store, row.lease_id)
    with store.session() as session:
        repo.release_expired(session, T0 + 5 * MIN)
        repo.claim_manual(session, one, "marie", T0 + 6 * MIN)
    with store.session() as session, pytest.raises(repo.TransitionRefused):
        repo.complete(session, row.lease_id, "answered", T0 + 6 * MIN)
    with store.session() as session:
        repo.record_result(session, one, "marie", "joint", "RDV pris", T0 + 7 * MIN)
    done = get(store, one)
    assert (done.state, done.outcome, done.note) == ("done", "joint", "RDV pris")


def test_manual_claim_is_exclusive_and_result_needs_the_claimer(store: Store, one: int) -> None:
    with store.session() as session:
        repo.claim_manual(session, one, "marie", T0)
    with store.session() as session, pytest.raises(repo.TransitionRefused):
        repo.claim_manual(session, one, "paul", T0)
    with store.session() as session, pytest.raises(repo.TransitionRefused):
        repo.record_result(session, one, "paul", "joint", None, T0)
    with store.session() as session:  # a manual claim never expires by itself
        assert repo.release_expired(session, T0 + 600 * MIN) == ([], [])
    assert claim(store, now=T0 + 600 * MIN) == []


def test_reschedule_and_cancel(store: Store, one: int) -> None:
    with store.session() as session:
        repo.reschedule(session, one, T0 + 60 * MIN, "rappeler après 10 h", T0)
    assert claim(store, now=T0 + 59 * MIN) == []
    with store.session() as session:
        repo.cancel(session, one, "doublon", T0)
    cancelled = get(store, one)
    assert (cancelled.state, cancelled.note) == ("cancelled", "doublon")
    with store.session() as session, pytest.raises(repo.TransitionRefused):
        repo.reschedule(session, one, T0, None, T0)


def test_cannot_cancel_while_a_scheduler_dials(store: Store, one: int) -> None:
    (row,) = claim(store)
    dial(store, row.lease_id)
    with store.session() as session, pytest.raises(repo.TransitionRefused):
        repo.cancel(session, one, "trop tard", T0)


def test_late_lists_passed_promises_not_done(store: Store) -> None:
    first, second, third = add_callbacks(store, 3, promised=30 * MIN)
    with store.session() as session:
        repo.cancel(session, third, "doublon", T0)
    (row, _) = claim(store, limit=2)
    dial(store, row.lease_id)
    with store.session() as session:
        repo.complete(session, row.lease_id, "answered", T0)
        assert repo.late(session, T0 + 29 * MIN) == []
        late = repo.late(session, T0 + 31 * MIN)
    assert [r.id for r in late] == [second if row.id == first else first]


def test_worklist_of_a_department(store: Store) -> None:
    mine = add_callbacks(store, 2)
    add_callbacks(store, 1, target="urbanisme")
    with store.session() as session:
        repo.cancel(session, mine[1], "doublon", T0)
        assert [r.id for r in repo.list_for_department(session, "etat-civil")] == [mine[0]]
        everything = repo.list_for_department(session, "etat-civil", ("pending", "cancelled"))
    assert sorted(r.id for r in everything) == mine


def test_limit_holds_over_many_rows(store: Store) -> None:
    """Regression: ``IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)`` claimed every row on
    PostgreSQL (the locking subquery re-ran per outer row); the CTE keeps the limit."""
    add_callbacks(store, 50)
    assert len(claim(store, limit=5)) == 5
    assert len(claim(store, limit=5, worker="w2")) == 5
