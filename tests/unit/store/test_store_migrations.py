"""The Alembic revisions build exactly the schema the models describe, on both dialects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError

from ivr.store.db import Store, normalize_url, public_url
from ivr.store.models import Base, Contact, User

TABLES = {
    "contacts",
    "contact_events",
    "users",
    "audit_log",
    "api_tokens",
    "rules_versions",
    "callbacks",
    "citizens",
    "self_service_attempts",
    "self_service_locks",
    "citizen_contact_points",
    "consents",
    "requests",
    "request_events",
    "attachments",
    "appointments",
    "calendar_feeds",
    "surveys",
    "messages",
    "message_templates",
    "message_lists",
    "message_preferences",
    "message_broadcasts",
    "subscription_requests",
    "voicemail_ingests",
    "alembic_version",
    "alert_campaigns",
    "alert_recipients",
    "alert_attempts",
    "safeguard_register",
    "login_limits",
}


def test_migrate_creates_every_table(store: Store) -> None:
    assert set(inspect(store.engine).get_table_names()) == TABLES
    indexed = {tuple(ix["column_names"]) for ix in inspect(store.engine).get_indexes("contacts")}
    assert {("started_at",), ("target",), ("outcome",), ("caller",)} <= indexed


def test_migrations_match_models(store: Store) -> None:
    with store.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_migrate_twice_is_harmless(store: Store) -> None:
    store.migrate()
    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def test_datetimes_come_back_aware_utc(store: Store) -> None:
    paris = timezone(timedelta(hours=1))
    with store.session() as session:
        session.add(Contact(call_id="c1", started_at=datetime(2026, 12, 2, 10, 0, tzinfo=paris)))
    with store.session() as session:
        contact = session.scalars(select(Contact)).one()
    assert contact.started_at == datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    assert contact.started_at.tzinfo is not None
    assert contact.created_at.tzinfo is not None


def test_constraints_are_enforced(store: Store) -> None:
    with pytest.raises(IntegrityError), store.session() as session:
        session.add(User(username="a", password_hash="x", role="maire"))


def test_foreign_keys_enforced_on_sqlite_too(store: Store) -> None:
    now = datetime(2026, 12, 2, tzinfo=UTC)
    with pytest.raises(IntegrityError), store.session() as session:
        session.add(Contact(call_id="c2", started_at=now, parent_contact_id=9999))


def test_urls_are_normalised_and_masked() -> None:
    assert normalize_url("postgresql://u:p@h/d").drivername == "postgresql+psycopg"
    assert normalize_url("postgres://u@h/d").drivername == "postgresql+psycopg"
    assert normalize_url("sqlite:///x.db").drivername == "sqlite"
    assert "secret" not in public_url("postgresql://u:secret@h/d")
