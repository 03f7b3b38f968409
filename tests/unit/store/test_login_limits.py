"""Login rate-limit counters in the store, on SQLite and PostgreSQL: fixed windows,
atomic under concurrent attempts (every admin thread and process shares them)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from ivr.store import login_limits
from ivr.store.db import Store
from ivr.store.models import LoginLimit

NOW = 1_800_000_000.0


def _hit(store: Store, key: str, at: float = NOW) -> int:
    with store.session() as session:
        return login_limits.hit(session, key, 60, at)


def test_attempts_count_in_a_window_that_then_starts_again(store: Store) -> None:
    assert [_hit(store, "account:admin", NOW + i) for i in range(3)] == [1, 2, 3]
    assert _hit(store, "client:198.51.100.7") == 1  # another key, its own count
    with store.session() as session:
        assert login_limits.count(session, "account:admin", NOW + 10) == 3
        assert login_limits.expires_at(session, "account:admin", NOW + 10) == NOW + 60
        assert login_limits.count(session, "account:admin", NOW + 60) == 0
    assert _hit(store, "account:admin", NOW + 61) == 1  # a new window
    with store.session() as session:
        assert login_limits.expires_at(session, "account:admin", NOW + 62) == NOW + 121
        # the other key's window ended: deleted as attempts arrive
        assert login_limits.count(session, "client:198.51.100.7", NOW + 62) == 0
        assert len(session.scalars(select(LoginLimit)).all()) == 1


def test_keys_are_kept_hashed_and_cleared(store: Store) -> None:
    _hit(store, "account:admin")
    _hit(store, "client:198.51.100.7")
    with store.session() as session:
        kept = " ".join(row.key_hash for row in session.scalars(select(LoginLimit)))
        assert "admin" not in kept and "198.51" not in kept
        assert login_limits.clear(session, "account:admin") == 1
        assert login_limits.count(session, "account:admin", NOW) == 0
        assert login_limits.count(session, "client:198.51.100.7", NOW) == 1
        assert login_limits.clear(session) == 1


def test_concurrent_attempts_are_each_counted_once(store: Store) -> None:
    """Six threads, each with its own connection, guessing one account at once: the
    counts handed out are 1…30, none twice (one atomic upsert per attempt)."""
    with ThreadPoolExecutor(6) as pool:
        counts = sorted(pool.map(lambda _: _hit(store, "account:admin"), range(30)))
    assert counts == list(range(1, 31))
