"""Alembic environment of the store.

``Store.migrate()`` passes an open connection in ``config.attributes["connection"]``;
offline mode (``--sql``) renders the DDL of a ``sqlalchemy.url`` so a revision can be
read for both dialects before it ships.
"""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import Connection

from ivr.store.models import Base


def _configure(**kwargs: Any) -> None:
    # Batch mode lets later revisions ALTER tables on SQLite (copy-and-move).
    context.configure(target_metadata=Base.metadata, render_as_batch=True, **kwargs)


def run_offline() -> None:
    _configure(url=context.config.get_main_option("sqlalchemy.url"), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online(connection: Connection) -> None:
    _configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online(context.config.attributes["connection"])
