"""One store session per request, closed at teardown (flaskr's ``get_db``)."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g
from sqlalchemy.orm import Session
from werkzeug.routing import IntegerConverter

from ivr.store.db import Store

# Primary keys are 32-bit on PostgreSQL: a larger id in a URL is "not found", not a crash.
ID_MAX = 2**31 - 1


class IdConverter(IntegerConverter):
    """``<id:name>`` in routes: a positive integer that fits a primary key column."""

    def __init__(self, map: Any) -> None:
        super().__init__(map, min=1, max=ID_MAX)


def init_app(app: Flask) -> None:
    """Open the store named by the settings (or the one handed in by tests)."""
    app.url_map.converters["id"] = IdConverter
    store = app.config.get("STORE") or Store(app.config["TOWNHALL_SETTINGS"].db_url)
    app.extensions["townhall_store"] = store
    app.teardown_appcontext(close_session)


def get_store() -> Store:
    """The application's store."""
    return current_app.extensions["townhall_store"]


def get_session() -> Session:
    """The request's session, opened on first use."""
    if "db_session" not in g:
        g.db_session = get_store().sessions()
    return g.db_session


def close_session(exc: BaseException | None = None) -> None:
    """Roll back what a failed request left and return the connection to the pool."""
    session = g.pop("db_session", None)
    if session is None:
        return
    if exc is not None:
        session.rollback()
    session.close()
