"""Shared data for the request tests: the shipped rules, instants, variants of the calendar."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from ivr.rules import Closure, Rules, load_rules

ROOT = Path(__file__).resolve().parents[3]
RULES = load_rules(ROOT / "routing_rules.yaml")
PARIS = ZoneInfo("Europe/Paris")
T0 = datetime(2026, 12, 1, 10, 0, tzinfo=PARIS)  # a Tuesday


def at(day: date, hour: int = 10) -> datetime:
    """``day`` at ``hour`` o'clock, town time."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=PARIS)


def alsace(rules: Rules = RULES) -> Rules:
    """The same rules in Alsace-Moselle (Vendredi saint and 26 December are holidays)."""
    return rules.model_copy(update={"town": rules.town.model_copy(update={"alsace_moselle": True})})


def with_closure(closure: Closure, rules: Rules = RULES) -> Rules:
    """The same rules with one more closure."""
    calendar = rules.calendar.model_copy(
        update={"closures": (*rules.calendar.closures, closure)})
    return rules.model_copy(update={"calendar": calendar})
