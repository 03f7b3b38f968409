"""The ``callbacks`` CLI group over a real store (list, --late, --json, cancel)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from click.testing import CliRunner

from ivr.cli.callbacks import callbacks
from ivr.settings import Settings
from ivr.store.db import Store
from tests.fixtures.callbacks import T0, add_callbacks, get

pytestmark = pytest.mark.pg


def invoke(db_url: str, *args: str, clock=T0):
    settings = Settings.from_env({"TOWNHALL_DB_URL": db_url, "TOWNHALL_CLOCK": clock.isoformat()})
    return CliRunner().invoke(callbacks, list(args), obj=settings)


def test_list_json_late_and_cancel(db_url: str, store: Store) -> None:
    first, second = add_callbacks(store, 2, promised=timedelta(minutes=30))
    result = invoke(db_url, "list", "--json")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [(r["id"], r["state"], r["number"][:4]) for r in rows] == [
        (first, "pending", "+336"), (second, "pending", "+336")]
    assert invoke(db_url, "list", "--late").output == ""
    assert invoke(db_url, "cancel", str(second)).exit_code == 0
    assert get(store, second).state == "cancelled"
    late = invoke(db_url, "list", "--late", clock=T0 + timedelta(hours=1)).output
    assert f"{first:>6} pending" in late and f"{second:>6}" not in late
    assert invoke(db_url, "list", "--state", "cancelled").output.split()[0] == str(second)


def test_cancel_refused_is_an_error(db_url: str, store: Store) -> None:
    (cid,) = add_callbacks(store, 1)
    assert invoke(db_url, "cancel", str(cid)).exit_code == 0
    result = invoke(db_url, "cancel", str(cid))
    assert result.exit_code == 1 and "refused" in result.output
