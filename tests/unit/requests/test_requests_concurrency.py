"""Two processes creating 500 requests each get 1,000 distinct references."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ivr.requests.reference import is_valid
from ivr.store.db import Store
from ivr.store.models import Request

pytestmark = pytest.mark.pg
WORKER = Path(__file__).parents[2] / "fixtures" / "requests_worker.py"
EACH = 500


def test_two_processes_create_distinct_references(db_url: str, store: Store,
                                                  tmp_path: Path) -> None:
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    workers = [subprocess.Popen([sys.executable, str(WORKER), db_url, str(EACH), str(seed),
                                 "--go", str(go)], env=env, stdout=subprocess.PIPE, text=True)
               for seed in (1, 2)]
    go.touch()
    outputs = [w.communicate(timeout=300)[0].split() for w in workers]
    assert [w.returncode for w in workers] == [0, 0]
    references = outputs[0] + outputs[1]
    assert len(references) == 2 * EACH and len(set(references)) == 2 * EACH
    assert all(is_valid(r) for r in references)
    with store.session() as session:
        stored = set(session.scalars(select(Request.reference)))
        assert stored == set(references)
        assert session.scalar(select(func.count()).select_from(Request)) == 2 * EACH
