"""The dates a town hall's data may carry: one check for every filter and API model.

Dates such as ``0001-01-01`` or ``9999-12-31`` parse, but a day added or a time zone
applied overflows (``OverflowError``, a 500); they are refused where they enter.
"""

from __future__ import annotations

from datetime import date, datetime

EARLIEST = date(1900, 1, 1)
LATEST = date(2199, 12, 31)
OUT_OF_BOUNDS = "date hors limites : elle doit être comprise entre 1900 et 2199"


def check_date(value: date | datetime) -> date | datetime:
    """Return ``value`` when it lies between ``EARLIEST`` and ``LATEST``; else ValueError."""
    day = value.date() if isinstance(value, datetime) else value
    if not EARLIEST <= day <= LATEST:
        raise ValueError(OUT_OF_BOUNDS)
    return value
