"""Request worklists at scale: 100,000 requests, the worklist page, the API search, an import.

Run from the repository root: ``.venv/bin/python -m bench.requests_bench [--requests N]``.
On a fresh SQLite file and a fresh PostgreSQL database (skipped if unreachable) it
seeds N requests (40 % open) of the shipped types for N/4 citizens, then measures on
the admin application in this process (server side: no network, no browser):

- the worklist page ``/demandes/`` of an agent (one department) and of a superviseur
  (every department), and ``GET /api/v1/requests?phone=…`` — p50/p95 over ``--rounds``;
- a 10,000-line CSV import (``ivr.store.request_import.apply_import``, in batches);

and prints the plans (PostgreSQL's ``EXPLAIN ANALYZE``, SQLite's ``EXPLAIN QUERY PLAN``)
of the worklist and search queries, as issued by the store, to show they use indices.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import event, insert, select, text

from admin import create_app
from admin.accounts import add_user
from admin.api import new_token
from bench.machine import describe
from bench.store_bench import databases
from ivr.package_data import DEFAULT_RULES
from ivr.requests import csv_import, lifecycle
from ivr.requests.reference import new_reference
from ivr.rules import Rules, load_rules
from ivr.settings import Settings
from ivr.store import request_import
from ivr.store.db import Store
from ivr.store.models import Citizen, CitizenContactPoint, Request

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
PASSWORD = "mot-de-passe-du-banc"
IMPORT_LINES = 10_000


def _phone(n: int) -> str:
    return f"+3361{n:07d}"


def seed(store: Store, rules: Rules, count: int, rng: random.Random) -> None:
    """``count`` requests, 40 % open, of every type; a quarter as many citizens."""
    citizens = max(1, count // 4)
    with store.session() as session:
        session.execute(insert(Citizen), [{"id": i + 1, "name": f"Usager {i}"}
                                          for i in range(citizens)])
        session.execute(insert(CitizenContactPoint), [
            {"citizen_id": i + 1, "kind": "phone", "value": _phone(i)} for i in range(citizens)])
    types = sorted(rules.request_types)
    references: set[str] = set()
    rows: list[dict[str, Any]] = []
    for n in range(count):
        kind = "carte-identite" if n % 4 == 0 else types[n % len(types)]
        declared = rules.request_types[kind]
        created = NOW - timedelta(days=rng.uniform(0, 120))
        reference = new_reference(rng)
        while reference in references:
            reference = new_reference(rng)
        references.add(reference)
        final = next(iter(lifecycle.final_statuses(rules, kind)))
        closed = rng.random() < 0.6
        rows.append({
            "reference": reference, "type": kind, "citizen_id": rng.randrange(citizens) + 1,
            "channel": "phone", "department": declared.department, "version": 1,
            "status": final if closed else lifecycle.initial_status(rules, kind),
            "created_at": created, "due_at": created + timedelta(days=declared.delay * 7 / 5),
            "closed_at": created + timedelta(days=rng.uniform(1, 30)) if closed else None,
        })
        if len(rows) == 10_000:
            _insert(store, rows)
    _insert(store, rows)


def _insert(store: Store, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    with store.session() as session:
        session.execute(insert(Request), rows)
    rows.clear()


def timed(call: Callable[[], Any], rounds: int) -> tuple[float, float, float]:
    """(p50, p95, mean CPU) in milliseconds of ``call`` over ``rounds`` runs, after a warm-up.

    The CPU time is this process's (the app and the database client; SQLite's work too):
    on a machine shared with other jobs it moves less than the wall-clock figures.
    """
    call()
    samples = []
    cpu = time.process_time()
    for _ in range(rounds):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    cpu_ms = (time.process_time() - cpu) / rounds * 1000
    cuts = statistics.quantiles(samples, n=20)
    return statistics.median(samples), cuts[18], cpu_ms


def app_clients(store: Store, settings: Settings) -> tuple[FlaskClient, FlaskClient, str]:
    """(agent client, superviseur client, API token) on the admin over ``store``."""
    with store.session() as session:
        add_user(session, NOW, "agent", PASSWORD, "agent", "etat-civil", actor="bench")
        add_user(session, NOW, "superviseur", PASSWORD, "superviseur", None, actor="bench")
        token = new_token(session, "bench")
    app = create_app(settings, {"STORE": store, "WTF_CSRF_ENABLED": False, "AMI_ENABLED": False,
                                "TESTING": True})
    clients = []
    for user in ("agent", "superviseur"):
        client = app.test_client()
        client.post("/login", data={"username": user, "password": PASSWORD})
        clients.append(client)
    return clients[0], clients[1], token


def check(response: Any) -> None:
    if response.status_code != 200:
        raise RuntimeError(f"HTTP {response.status_code}: {response.text[:300]}")


def explain(store: Store, call: Callable[[], Any]) -> list[str]:
    """PostgreSQL's plan of each SELECT on ``requests`` that ``call`` makes."""
    seen: list[tuple[str, Any]] = []

    def grab(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "requests" in statement:
            seen.append((statement, params))

    event.listen(store.engine, "before_cursor_execute", grab)
    try:
        call()
    finally:
        event.remove(store.engine, "before_cursor_execute", grab)
    sqlite = store.dialect == "sqlite"
    plans = []
    with store.engine.connect() as conn:
        for statement, params in seen:
            cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            try:
                cursor.execute(("EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN ANALYZE ")
                               + statement, params)
                plans.append("\n".join(str(row[-1]) for row in cursor.fetchall()))
            finally:
                cursor.close()
    return plans


def run(name: str, url: str, home: Path, count: int, rounds: int) -> None:
    rules = load_rules(DEFAULT_RULES)
    store = Store(url)
    store.migrate()
    start = time.perf_counter()
    seed(store, rules, count, random.Random(12))
    if name == "postgresql":
        with store.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    print(f"{name}: seeded {count:,} requests in {time.perf_counter() - start:.1f} s")
    settings = Settings.from_env({"TOWNHALL_HOME": str(home), "TOWNHALL_DB_URL": url,
                                  "TOWNHALL_RULES": str(DEFAULT_RULES),
                                  "TOWNHALL_CLOCK": NOW.isoformat()})
    agent, superviseur, token = app_clients(store, settings)
    auth = {"Authorization": f"Bearer {token}"}
    phones = iter(_phone(random.Random(5).randrange(count // 4)) for _ in range(10**6))
    measures = {
        "worklist page, agent (one department)": lambda: check(agent.get("/demandes/")),
        "worklist page, superviseur (all)": lambda: check(superviseur.get("/demandes/")),
        "worklist page, late only, page 3": lambda: check(
            superviseur.get("/demandes/?late=y&page=3")),
        "API search by phone": lambda: check(agent.get(
            f"/api/v1/requests?phone={next(phones).replace('+', '%2B')}", headers=auth)),
    }
    for label, call in measures.items():
        p50, p95, cpu_ms = timed(call, rounds)
        print(f"{name}: {label}: p50 {p50:.1f} ms, p95 {p95:.1f} ms, CPU {cpu_ms:.1f} ms "
              f"({rounds} requests)")
    with store.session() as session:
        refs = session.scalars(select(Request.reference).where(
            Request.type == "carte-identite", Request.closed_at.is_(None)).limit(IMPORT_LINES))
        lines = [f"{ref};En instruction;lot du banc" for ref in refs]
    data = ("reference;statut;note\n" + "\n".join(lines)).encode()
    start, cpu = time.perf_counter(), time.process_time()
    report = request_import.apply_import(store, rules, csv_import.parse_import(data),
                                         actor="banc", at=NOW)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(f"{name}: import of {len(lines):,} lines: {elapsed:.1f} s "
          f"({len(lines) / elapsed:,.0f} lines/s, CPU {cpu:.1f} s), "
          f"applied {report.count('appliquée'):,}, refused {report.count('refusée')}")
    for label in ("worklist page, agent (one department)", "worklist page, superviseur (all)",
                  "worklist page, late only, page 3", "API search by phone"):
        for plan in explain(store, measures[label]):
            print(f"-- {name}: plan ({label})\n{plan}")
    store.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=100)
    args = parser.parse_args()
    print(describe("requests bench"))
    with tempfile.TemporaryDirectory() as tmp, databases(Path(tmp)) as kinds:
        for name, url in kinds:
            run(name, url, Path(tmp) / f"home-{name}", args.requests, args.rounds)


if __name__ == "__main__":
    main()
