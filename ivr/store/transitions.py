"""State changes that apply only to rows still in the state the caller saw.

A scheduler, a sender and an agent may act on the same row at once; an
``UPDATE … WHERE state = expected … RETURNING`` lets exactly one of them move it, on
SQLite and PostgreSQL alike, and tells the others so.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, update
from sqlalchemy.orm import Session

Row = TypeVar("Row")


class TransitionRefused(Exception):
    """The row is not in the state this change expects (another actor moved it)."""


def update_rows(session: Session, model: type[Row], where: Sequence[ColumnElement[bool]],
                **values: Any) -> list[Row]:
    """Set ``values`` on the rows matching ``where``; the moved rows, as now stored."""
    statement = update(model).where(*where).values(**values).returning(model)
    return list(session.scalars(statement, execution_options={"populate_existing": True}))


def update_some(session: Session, model: type[Row], where: Sequence[ColumnElement[bool]],
                change: str, **values: Any) -> list[Row]:
    """``update_rows``, refused (``TransitionRefused``) when no row was in the expected
    state; ``change`` names it in the message."""
    rows = update_rows(session, model, where, **values)
    if not rows:
        noun = model.__name__.lower()
        raise TransitionRefused(f"{change} refused: {noun} not in the expected state")
    return rows
