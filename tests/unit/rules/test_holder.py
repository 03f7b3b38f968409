"""Reloading keeps the live rules on a bad file and swaps them on a good one."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
from pathlib import Path

import pytest

from ivr.rules import RulesError, RulesHolder, watch
from tests.fixtures.rules import MINIMAL, replaced

RENAMED = replaced(MINIMAL, 'name: "Mairie de Test"', 'name: "Mairie de Test 2"')


@pytest.fixture
def rules_file(tmp_path: Path) -> Path:
    path = tmp_path / "routing_rules.yaml"
    path.write_text(MINIMAL, encoding="utf-8")
    return path


def test_first_load_must_succeed(tmp_path: Path) -> None:
    path = tmp_path / "routing_rules.yaml"
    path.write_text("version: 2\n", encoding="utf-8")
    with pytest.raises(RulesError):
        RulesHolder(path)


def test_bad_file_is_refused_and_old_rules_stay(rules_file: Path, caplog) -> None:
    holder = RulesHolder(rules_file)
    before, version = holder.current, holder.version
    rules_file.write_text(replaced(MINIMAL, "target: sports", "target: nowhere"), encoding="utf-8")
    with caplog.at_level(logging.ERROR, logger="ivr.rules.holder"):
        assert holder.reload() is False
    assert holder.current is before and holder.version == version
    assert holder.last_error is not None and "cible inconnue 'nowhere'" in str(holder.last_error)
    assert "cible inconnue 'nowhere'" in caplog.records[0].errors


def test_good_file_swaps_and_clears_the_error(rules_file: Path) -> None:
    holder = RulesHolder(rules_file)
    started_with = holder.current  # what a call in progress holds
    rules_file.write_text("{oops", encoding="utf-8")
    holder.reload()
    rules_file.write_text(RENAMED, encoding="utf-8")
    assert holder.reload() is True
    assert holder.current.town.name == "Mairie de Test 2"
    assert started_with.town.name == "Mairie de Test"
    assert holder.last_error is None
    assert holder.reload() is False  # unchanged content: nothing to do


def test_version_is_the_content_hash(rules_file: Path) -> None:
    assert RulesHolder(rules_file).version == hashlib.sha256(MINIMAL.encode()).hexdigest()


async def test_watch_reloads_when_an_editor_replaces_the_file(rules_file: Path) -> None:
    holder = RulesHolder(rules_file)
    reloaded, stop = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(watch(holder, on_reload=reloaded.set, stop_event=stop))
    await asyncio.sleep(0.3)  # let the watcher start
    spare = rules_file.with_name("routing_rules.yaml.tmp")
    spare.write_text(RENAMED, encoding="utf-8")
    os.replace(spare, rules_file)  # what editors and the admin do
    try:
        await asyncio.wait_for(reloaded.wait(), timeout=10)
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=10)
    assert holder.current.town.name == "Mairie de Test 2"
