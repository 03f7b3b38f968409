"""Opening-hours value types of the rules: ``"08:30-12:00"`` ranges and weekly maps.

Kept apart from the rest of the schema because ``ivr.domain.hours`` computes with them and
the admin displays them; a range is parsed once, at load time, into ``time`` values.
"""

from __future__ import annotations

import re
from datetime import time
from itertools import pairwise
from typing import Annotated, NamedTuple

from pydantic import AfterValidator, BaseModel, ConfigDict, PlainSerializer, PlainValidator

_RANGE = re.compile(r"(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})")

DAY_NAMES: tuple[str, ...] = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi",
                              "dimanche")


class TimeRange(NamedTuple):
    """One opening slot of a day, start included, end excluded."""

    start: time
    end: time

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


def _clock(hour: str, minute: str) -> time:
    try:
        return time(int(hour), int(minute))
    except ValueError:
        raise ValueError(f"{hour}:{minute} is not a time of day (00:00 to 23:59)") from None


def parse_range(value: object) -> TimeRange:
    """Parse ``"HH:MM-HH:MM"``; the start must come before the end."""
    if isinstance(value, TimeRange):
        return value
    match = _RANGE.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"expected a time range like \"08:30-12:00\", got {value!r}")
    start, end = _clock(*match.group(1, 2)), _clock(*match.group(3, 4))
    if start >= end:
        raise ValueError(f"{value!r}: the start must be before the end")
    return TimeRange(start, end)


def _in_order(ranges: tuple[TimeRange, ...]) -> tuple[TimeRange, ...]:
    for before, after in pairwise(ranges):
        if after.start < before.end:
            raise ValueError(f"time ranges overlap or are out of order: {before} then {after}")
    return ranges


Range = Annotated[TimeRange, PlainValidator(parse_range), PlainSerializer(str)]
DayHours = Annotated[tuple[Range, ...], AfterValidator(_in_order)]


class WeeklyHours(BaseModel):
    """Opening ranges per French weekday name; a missing or empty day is closed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    lundi: DayHours = ()
    mardi: DayHours = ()
    mercredi: DayHours = ()
    jeudi: DayHours = ()
    vendredi: DayHours = ()
    samedi: DayHours = ()
    dimanche: DayHours = ()

    def day(self, weekday: int) -> tuple[TimeRange, ...]:
        """Ranges of ``weekday`` (0 = Monday, as ``date.weekday()``)."""
        ranges: tuple[TimeRange, ...] = getattr(self, DAY_NAMES[weekday])
        return ranges
