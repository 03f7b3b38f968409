"""Routing bench: what deciding costs, and how fast contacts are written.

Run from the repository root: ``.venv/bin/python -m bench.routing_bench [--calls N]``.
Prints the cost of loading the rules, of one menu decision, of one destination
decision (opening hours, holidays, closures) and of a whole keypad call through the
call flow (no I/O), then contacts written per second on SQLite and PostgreSQL.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.machine import describe
from bench.store_bench import OPS_PER_CONTACT, databases, run
from ivr.clock import Clock
from ivr.flow import events as e
from ivr.flow.menu import choose
from ivr.flow.routing import destination
from ivr.flow.session import CallSession
from ivr.package_data import DEFAULT_RULES
from ivr.rules import Rules, load_rules

MONDAY = datetime(2026, 11, 30, 8, 0, tzinfo=ZoneInfo("Europe/Paris"))


def per_op_us(action: Callable[[int], object], count: int) -> float:
    """Microseconds per call of ``action(i)`` over ``count`` calls."""
    started = time.perf_counter()
    for i in range(count):
        action(i)
    return (time.perf_counter() - started) / count * 1e6


def keypad_call(rules: Rules, i: int) -> None:
    """One call through the flow: welcome, « 1 », « 1 », announcement, hand-off."""
    at = MONDAY + timedelta(minutes=i % 2000)  # open, lunch, evening: all paths
    session = CallSession(f"c{i}", rules)
    session.handle(e.CallStarted(at, "0612345678", "3000"))
    session.handle(e.Dtmf(at, "1"))
    session.handle(e.Dtmf(at, "1"))
    session.handle(e.PlaybackDone(at, session.token))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--contacts", type=int, default=2_000)
    args = parser.parse_args()
    print(describe("routing bench"))
    path = DEFAULT_RULES
    print(f"load rules:        {per_op_us(lambda _: load_rules(path), 20) / 1000:8.1f} ms")
    rules = load_rules(path)
    targets = [t for t, d in rules.departments.items() if not d.answered_by_ivr]
    menu = per_op_us(lambda i: choose(rules, rules.main_menu, "123456790#*"[i % 11], None),
                     args.calls)
    print(f"menu decision:     {menu:8.2f} µs")
    dest = per_op_us(lambda i: destination(rules, targets[i % len(targets)],
                                           MONDAY + timedelta(minutes=i % 10_000)), args.calls)
    print(f"destination:       {dest:8.2f} µs (hours, holidays, closures)")
    call = per_op_us(lambda i: keypad_call(rules, i), args.calls // 4)
    print(f"keypad call flow:  {call:8.2f} µs per call ({1e6 / call:,.0f} calls/s on one core)")
    with tempfile.TemporaryDirectory() as tmp, databases(Path(tmp)) as kinds:
        for name, url in kinds:
            caller_us, rate, cpu_ms = run(url, Path(tmp) / f"spool-{name}", args.contacts,
                                          Clock())
            print(f"contacts {name:10s} {rate:8,.0f} /s committed ({OPS_PER_CONTACT} ops each), "
                  f"caller {caller_us:.1f} µs/op, CPU {cpu_ms:.2f} ms/contact")


if __name__ == "__main__":
    main()
