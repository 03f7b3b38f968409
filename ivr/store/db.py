"""Engine, sessions and migrations of the shared store.

One ``Store`` per process and database URL. SQLite gets the pragmas a shared file
needs (WAL so the admin reads while the IVR writes, enforced foreign keys, a busy
timeout instead of instant "database is locked"); PostgreSQL URLs are pointed at
psycopg 3, the driver installed with the package.
"""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, inspect, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
# Any constant shared by every process migrating the same PostgreSQL database.
_MIGRATION_LOCK = 0x70776E68


def normalize_url(url: str | URL) -> URL:
    """Parse ``url``; bare ``postgresql://``/``postgres://`` URLs get the psycopg 3 driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def public_url(url: str | URL) -> str:
    """The URL as an operator may see it: the password is masked."""
    return normalize_url(url).render_as_string(hide_password=True)


def _sqlite_pragmas(busy_timeout: float) -> Any:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.close()

    return on_connect


def sqlite_path(url: URL) -> Path | None:
    """The file of a SQLite URL (None for PostgreSQL and in-memory databases)."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def _create_private(path: Path) -> None:
    """Create the SQLite file mode 0600 before SQLite does (it would follow the umask);
    its WAL and shared-memory files take the database file's mode."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _engine(url: URL, busy_timeout: float, connect_timeout: float) -> Engine:
    if url.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": busy_timeout})
        event.listen(engine, "connect", _sqlite_pragmas(busy_timeout))
        return engine
    # pre_ping: after an outage the pool holds dead connections; test before use.
    return create_engine(
        url,
        pool_pre_ping=True,
        connect_args={"connect_timeout": max(1, int(connect_timeout))},
    )


class Store:
    """A database holding contacts, admin users and callbacks."""

    def __init__(self, url: str | URL, *, busy_timeout: float = 5.0, connect_timeout: float = 5.0):
        self.url = normalize_url(url)
        self.engine = _engine(self.url, busy_timeout, connect_timeout)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session committed on success and rolled back on error."""
        with self.sessions.begin() as session:
            yield session

    def migrate(self, revision: str = "head") -> None:
        """Upgrade the schema with Alembic (safe when several processes start together)."""
        self.create_private_file()
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self._sqlite_migration_lock(), self.engine.connect() as connection:
            # SQLite ALTERs by copying a table and dropping the old one; with foreign keys
            # on, that DROP deletes (cascades to) the child rows. The pragma only changes
            # outside a transaction, hence before ``begin``.
            self._sqlite_foreign_keys(connection, on=False)
            try:
                with connection.begin():
                    if self.dialect == "postgresql":
                        connection.execute(text("SELECT pg_advisory_xact_lock(:k)"),
                                           {"k": _MIGRATION_LOCK})
                    config.attributes["connection"] = connection
                    command.upgrade(config, revision)
            finally:
                self._sqlite_foreign_keys(connection, on=True)
        log.info("store migrated", extra={"db": public_url(self.url), "revision": revision})

    @contextmanager
    def _sqlite_migration_lock(self) -> Iterator[None]:
        """PostgreSQL's advisory lock for SQLite: a lock file beside the database (the
        IVR processes of one stack start together and migrate on the same machine)."""
        path = sqlite_path(self.url)
        if path is None:
            yield
            return
        lock = path.with_name(f"{path.name}.migrate.lock")
        _create_private(lock)  # beside citizens' data: the same mode, whatever the umask
        with lock.open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield

    def _sqlite_foreign_keys(self, connection: Connection, *, on: bool) -> None:
        if self.dialect == "sqlite":
            connection.exec_driver_sql(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
            connection.commit()

    def create_private_file(self) -> None:
        """Make sure a SQLite database file exists with mode 0600 (no-op for PostgreSQL)."""
        if (path := sqlite_path(self.url)) is not None:
            _create_private(path)

    def has_schema(self) -> bool:
        """Whether this database exists and has been migrated (without creating it)."""
        path = sqlite_path(self.url)
        if path is not None and not path.exists():
            return False
        with self.engine.connect() as connection:
            return bool(inspect(connection).has_table("alembic_version"))

    def dispose(self) -> None:
        """Close pooled connections (end of process or of a test)."""
        self.engine.dispose()
