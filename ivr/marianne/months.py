"""Months of the town's calendar: « 2026-11 » as bounds, the months of a trend.

Pure: the town's time zone comes in as an argument (``rules.town.zone``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, tzinfo

from ivr.domain.date_bounds import LATEST

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
LAST_YEAR = LATEST.year  # the month after must exist too (``bounds``)
MONTH_NAMES = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
               "septembre", "octobre", "novembre", "décembre")


class InvalidMonth(ValueError):
    """A month that is not « AAAA-MM » (French message)."""


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """« 2026-11 » → Month(2026, 11); anything else is ``InvalidMonth``."""
        found = _MONTH.match(text.strip())
        if not found or not 1 <= int(found[2]) <= 12 or not 2000 <= int(found[1]) <= LAST_YEAR:
            raise InvalidMonth(f"Mois invalide : « {text} » (attendu : AAAA-MM, "
                               "par exemple 2026-11).")
        return cls(int(found[1]), int(found[2]))

    @classmethod
    def of(cls, instant: datetime, zone: tzinfo) -> Month:
        """The month ``instant`` falls in, in the town's time."""
        local = instant.astimezone(zone)
        return cls(local.year, local.month)

    def shifted(self, months: int) -> Month:
        """The month ``months`` later (earlier when negative)."""
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)

    def bounds(self, zone: tzinfo) -> tuple[datetime, datetime]:
        """[first instant, first instant of the next month) in the town's time."""
        following = self.shifted(1)
        return (datetime(self.year, self.month, 1, tzinfo=zone),
                datetime(following.year, following.month, 1, tzinfo=zone))

    @property
    def label(self) -> str:
        """« novembre 2026 »."""
        return f"{MONTH_NAMES[self.month - 1]} {self.year}"

    @property
    def short(self) -> str:
        """« 11/2026 », for chart axes."""
        return f"{self.month:02d}/{self.year}"

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def trend_months(last: Month, count: int) -> list[Month]:
    """The ``count`` months ending with ``last``, oldest first."""
    return [last.shifted(-offset) for offset in range(count - 1, -1, -1)]


def year_bounds(year: int, zone: tzinfo) -> tuple[datetime, datetime]:
    """[1 January, next 1 January) of ``year`` in the town's time."""
    return datetime(year, 1, 1, tzinfo=zone), datetime(year + 1, 1, 1, tzinfo=zone)
