"""Appointments bench: free-slot search over a 3-month horizon, 20 calendars, 5,000
booked appointments, on SQLite (and PostgreSQL with ``--pg``).

Run from the repository root: ``.venv/bin/python -m bench.appointments_bench``.
Each search is what the phone and the API do (``ivr.store.appointments.free_slots``):
read the calendar's booked instants from the store, then walk its slots (holidays,
closures, notice, horizon) to the first ``--limit`` free ones, from a random instant
of the horizon. Prints p50/p95/max in milliseconds; the target is p95 under 50 ms.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bench.machine import describe
from ivr.appointments import slots
from ivr.package_data import DEFAULT_RULES
from ivr.rules import Rules, load_rules
from ivr.store import appointments as ap
from ivr.store.db import Store
from ivr.store.models import Appointment, Request
from townhall_support.pg import create_pg_database, drop_pg_database, pg_url

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=ZoneInfo("Europe/Paris"))
CALENDARS, BOOKED, HORIZON_DAYS = 20, 5_000, 92


def bench_rules() -> Rules:
    """The shipped counter calendar, 20 times, each bookable 3 months ahead."""
    rules = load_rules(DEFAULT_RULES)
    base = rules.appointments.calendars["titres-identite"].model_copy(
        update={"horizon_days": HORIZON_DAYS, "notice_hours": 0})
    calendars = {f"guichet-{i:02d}": base for i in range(CALENDARS)}
    settings = rules.appointments.model_copy(update={"calendars": calendars})
    return rules.model_copy(update={"appointments": settings})


def fill(store: Store, rules: Rules, rng: random.Random) -> None:
    """5,000 appointments on random free slots of the 20 calendars (rows written directly:
    the bench measures the search, not the booking)."""
    grid = {cal: list(slots.free_slots(rules, cal, (), NOW))
            for cal in rules.appointments.calendars}
    chosen = rng.sample([(cal, start) for cal, starts in grid.items() for start in starts], BOOKED)
    with store.session() as session:
        for i, (cal, start) in enumerate(chosen):
            request = Request(reference=f"{i:010d}", type="rendez-vous-agenda-titre",
                              channel="web", department="titres-identite", status="reserve",
                              created_at=NOW, due_at=NOW, version=1)
            session.add(Appointment(request=request, calendar=cal, start=start,
                                    end=start + timedelta(minutes=20), motive="retrait",
                                    sync_state="none", sync_attempts=0))


def measure(store: Store, rules: Rules, searches: int, limit: int,
            rng: random.Random) -> list[float]:
    """Milliseconds per search."""
    calendars = list(rules.appointments.calendars)
    timings = []
    for _ in range(searches):
        after = NOW + timedelta(minutes=rng.randrange(HORIZON_DAYS * 24 * 60))
        started = time.perf_counter()
        ap.free_slots(store, rules, rng.choice(calendars), NOW, after=after, limit=limit)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def report(name: str, timings: list[float]) -> None:
    ordered = sorted(timings)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    print(f"{name}: {len(ordered)} searches, p50 {statistics.median(ordered):.1f} ms, "
          f"p95 {p95:.1f} ms, max {ordered[-1]:.1f} ms")


def run(url: str, name: str, args: argparse.Namespace) -> None:
    rng, rules = random.Random(args.seed), bench_rules()
    store = Store(url)
    try:
        store.migrate()
        fill(store, rules, rng)
        measure(store, rules, 20, args.limit, rng)  # warm the caches and the pool
        report(name, measure(store, rules, args.searches, args.limit, rng))
    finally:
        store.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--searches", type=int, default=500)
    parser.add_argument("--limit", type=int, default=10, help="free slots per search")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--pg", action="store_true", help="PostgreSQL too")
    args = parser.parse_args()
    print(describe("Appointments: free-slot search"))
    with tempfile.TemporaryDirectory() as folder:
        run(f"sqlite:///{folder}/bench.db", "SQLite", args)
    if args.pg:
        name = create_pg_database()
        try:
            run(pg_url(name), "PostgreSQL", args)
        finally:
            drop_pg_database(name)


if __name__ == "__main__":
    main()
