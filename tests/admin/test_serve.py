"""``townhall-ivr admin serve`` migrates the store first, and says so when it cannot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import waitress
from click.testing import CliRunner
from sqlalchemy import inspect

from admin import live_queues
from ivr.cli.admin import admin
from ivr.settings import Settings
from ivr.store.db import Store


class QuietListener:
    """An AMI listener that never connects (no Asterisk in this test)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        self.started = self.stopped = False

    def start(self) -> None:
        self.started = True

    def stop(self) -> None:
        self.stopped = True


def test_serve_migrates_then_serves(
    settings: Settings, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    served: list[Any] = []
    monkeypatch.setattr(waitress, "serve", lambda app, **kw: served.append((app, kw)))
    monkeypatch.setattr(live_queues, "AmiListener", QuietListener)
    result = CliRunner().invoke(admin, ["serve", "--port", "0"], obj=settings)
    assert result.exit_code == 0, result.output
    store = Store(db_url)
    try:
        columns = {c["name"] for c in inspect(store.engine).get_columns("callbacks")}
    finally:
        store.dispose()
    assert "completed_at" in columns and len(served) == 1
    listener = served[0][0].extensions["townhall_live_queues"].listener
    assert listener.started and listener.stopped  # stopped once waitress returned


def test_serve_stops_clearly_when_the_database_is_unreachable(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(waitress, "serve", lambda app, **kw: pytest.fail("served"))
    # nothing listens on port 1: refused at once (a SQLite path is no longer unreachable,
    # the store creates its private folder)
    dead = settings.with_(db_url="postgresql://townhall@127.0.0.1:1/townhall")
    result = CliRunner().invoke(admin, ["serve"], obj=dead)
    assert result.exit_code == 1
    assert "base de données injoignable" in result.output
