"""Opening-hours value types of the rules: ``"08:30-12:00"`` ranges, weekly maps, closures.

Kept apart from the rest of the schema because ``ivr.domain.hours`` computes with them and
the admin displays them; a range is parsed once, at load time, into ``time`` values.
"""

from __future__ import annotations

import datetime as dt
import re
from datetime import time
from itertools import pairwise
from typing import Annotated, Any, NamedTuple

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PlainSerializer,
    PlainValidator,
    StringConstraints,
    Tag,
    model_validator,
)

_Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$")]
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
        raise ValueError(f"{hour}:{minute} n'est pas une heure valide (de 00:00 à 23:59)") from None


def parse_range(value: object) -> TimeRange:
    """Parse ``"HH:MM-HH:MM"``; the start must come before the end."""
    if isinstance(value, TimeRange):
        return value
    match = _RANGE.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"une plage horaire s'écrit comme \"08:30-12:00\", pas {value!r}")
    start, end = _clock(*match.group(1, 2)), _clock(*match.group(3, 4))
    if start >= end:
        raise ValueError(f"{value!r} : le début doit précéder la fin")
    return TimeRange(start, end)


def _in_order(ranges: tuple[TimeRange, ...]) -> tuple[TimeRange, ...]:
    for before, after in pairwise(ranges):
        if after.start < before.end:
            raise ValueError("plages horaires qui se chevauchent ou dans le désordre : "
                             f"{before} puis {after}")
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


def _hours_kind(value: Any) -> str:
    return "weekly" if isinstance(value, dict | WeeklyHours) else "schedule"


HoursRef = Annotated[
    Annotated[_Identifier, Tag("schedule")] | Annotated[WeeklyHours, Tag("weekly")],
    Discriminator(_hours_kind),
]


class Closure(BaseModel):
    """A day or a range of days when the town hall (or some departments) is closed."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    date: dt.date | None = None
    start: dt.date | None = Field(default=None, alias="from")
    end: dt.date | None = Field(default=None, alias="to")
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    departments: tuple[_Identifier, ...] | None = None  # None: every department

    @model_validator(mode="after")
    def _one_period(self) -> Closure:
        if (self.date is None) == (self.start is None and self.end is None):
            raise ValueError("une fermeture a besoin de `date`, ou de `from` et `to`")
        if self.date is None and (self.start is None or self.end is None):
            raise ValueError("une période de fermeture a besoin de `from` et de `to`")
        if self.start and self.end and self.start > self.end:
            raise ValueError("`from` ne doit pas être après `to`")
        return self

    def covers(self, day: dt.date, target: str) -> bool:
        if self.departments is not None and target not in self.departments:
            return False
        if self.date is not None:
            return day == self.date
        return self.start is not None and self.end is not None and self.start <= day <= self.end
