"""Waiting on a condition instead of sleeping a fixed time.

A fixed sleep is too long on a quiet machine and too short on a loaded one; polling a
condition with a generous deadline is neither.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def eventually(probe: Callable[[], T], timeout: float = 10.0, interval: float = 0.2,
               until: Callable[[T], object] = bool) -> T:
    """Call ``probe`` until ``until(value)`` holds (truthy by default) and return that
    value; past ``timeout`` seconds, return the last value for the caller to assert on."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if until(value) or time.monotonic() >= deadline:
            return value
        time.sleep(interval)
