"""Login rate-limit counters in the store, so that every admin process (waitress
threads, several processes or servers on PostgreSQL) counts the same attempts.

Fixed windows as ``limits`` counts them: a counter starts at the first attempt and
expires ``expiry`` seconds later. One atomic upsert per attempt (``INSERT … ON CONFLICT
DO UPDATE … RETURNING``), so two processes never both see the fifth attempt as the
fourth. Expired counters are deleted as attempts arrive.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ivr.store.models import LoginLimit


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def hit(session: Session, key: str, expiry: float, now: float, amount: int = 1) -> int:
    """Count ``amount`` attempts under ``key``; the count in the window, after them."""
    session.execute(delete(LoginLimit).where(LoginLimit.expires_at <= now))
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    insert = dialect.insert(LoginLimit).values(key_hash=_hash(key), count=amount,
                                               expires_at=now + expiry)
    expired = LoginLimit.expires_at <= now
    upsert = insert.on_conflict_do_update(index_elements=[LoginLimit.key_hash], set_={
        "count": case((expired, amount), else_=LoginLimit.count + amount),
        "expires_at": case((expired, now + expiry), else_=LoginLimit.expires_at),
    }).returning(LoginLimit.count)
    return int(session.execute(upsert).scalar_one())


def _live(session: Session, key: str, now: float) -> LoginLimit | None:
    row = session.execute(select(LoginLimit).where(LoginLimit.key_hash == _hash(key))).scalar()
    return row if row is not None and row.expires_at > now else None


def count(session: Session, key: str, now: float) -> int:
    """Attempts under ``key`` in its current window (0 when none or expired)."""
    row = _live(session, key, now)
    return row.count if row else 0


def expires_at(session: Session, key: str, now: float) -> float:
    """When the window of ``key`` ends (``now`` when there is none)."""
    row = _live(session, key, now)
    return row.expires_at if row else now


def clear(session: Session, key: str | None = None) -> int:
    """Forget the counter of ``key``, or every counter; how many were removed."""
    statement = delete(LoginLimit)
    if key is not None:
        statement = statement.where(LoginLimit.key_hash == _hash(key))
    return int(session.execute(statement).rowcount)  # type: ignore[attr-defined]
