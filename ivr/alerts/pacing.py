"""How many calls a dialer may start now, and in which order.

Two limits hold at once: the campaign's channel budget (calls in progress, counted in
the store over every dialer) and its rate (calls started over the last minute), so a
trunk of N lines is never asked for more and the operator's call-rate cap is kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

WINDOW = timedelta(minutes=1)


def starts_allowed(*, channel_budget: int, in_progress: int, calls_per_minute: int,
                   started_last_minute: int) -> int:
    """Calls that may start now without exceeding either limit (never negative)."""
    return max(0, min(channel_budget - in_progress, calls_per_minute - started_last_minute))


def window_start(now: datetime) -> datetime:
    """The start of the sliding minute the rate limit counts over."""
    return now - WINDOW


class Orderable(Protocol):
    @property
    def vulnerable(self) -> bool: ...

    @property
    def attempts(self) -> int: ...

    @property
    def id(self) -> int: ...


T = TypeVar("T", bound=Orderable)


def order_key(vulnerable: bool, attempts: int, ident: int) -> tuple[bool, int, int]:
    """Vulnerable first, then those dialled fewer times, then in audience order."""
    return (not vulnerable, attempts, ident)


def in_call_order(recipients: Iterable[T]) -> Sequence[T]:
    """``recipients`` sorted by ``order_key``."""
    return sorted(recipients, key=lambda r: order_key(r.vulnerable, r.attempts, r.id))
