"""The one clock of the application.

Every "now" in townhall-ivr comes from here so that administrators and tests can
make the whole stack behave as if it were another moment: ``TOWNHALL_CLOCK`` set
to an ISO date-time pins the start and lets time flow from there.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta


@dataclass
class Clock:
    """A wall clock that may be shifted to start at a chosen instant."""

    start: datetime | None = None
    _origin_monotonic: float = field(default_factory=time.monotonic, repr=False)

    def now(self) -> datetime:
        """Return the current aware datetime (UTC unless the pinned start had a zone)."""
        if self.start is None:
            return datetime.now(UTC)
        return self.start + timedelta(seconds=time.monotonic() - self._origin_monotonic)

    @property
    def shifted(self) -> bool:
        """True when the clock does not follow the real time."""
        return self.start is not None


def parse_clock(value: str | None) -> Clock:
    """Build the clock from ``TOWNHALL_CLOCK`` (empty → real time).

    A naive value is refused: an injected time without a zone is ambiguous around
    the daylight-saving changes that French opening hours straddle.
    """
    if not value:
        return Clock()
    try:
        start = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"TOWNHALL_CLOCK={value!r} is not an ISO date-time") from exc
    if start.tzinfo is None:
        raise ValueError(f"TOWNHALL_CLOCK={value!r} needs a UTC offset, e.g. +01:00")
    return Clock(start=start)
