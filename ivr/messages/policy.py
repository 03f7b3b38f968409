"""When and where a message may go: consent, preferred channel, quiet hours, retries.

A notification goes only to a citizen who agreed to be notified (consent purpose
``notifications``), first on their preferred channel, then on the other one if the
first fails and they have that contact point too. Nothing leaves at night (quiet
hours, town time) except alerts. A failed attempt the gateway may accept later
(gateway down, relay busy) is retried with exponential backoff, capped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

Channel = Literal["sms", "email"]
CHANNELS: tuple[Channel, ...] = ("sms", "email")
NOTIFICATIONS = "notifications"
LIST_PREFIX = "liste:"

BACKOFF_BASE = timedelta(seconds=5)
BACKOFF_CAP = timedelta(minutes=30)
MAX_ATTEMPTS = 12  # with the cap, about four hours of a gateway away before giving up


@dataclass(frozen=True)
class QuietHours:
    """Messages wait between ``start`` and ``end`` (town time), except alerts."""

    start: time = time(20, 0)
    end: time = time(8, 0)
    zone: str = "Europe/Paris"

    def next_allowed(self, at: datetime, *, alert: bool = False) -> datetime:
        """``at`` itself when a message may leave then, else the end of the quiet period."""
        if alert:
            return at
        local = at.astimezone(ZoneInfo(self.zone))
        clock = local.time()
        quiet = (clock >= self.start or clock < self.end) if self.start > self.end \
            else (self.start <= clock < self.end)
        if not quiet:
            return at
        day = local.date() if clock < self.end else local.date() + timedelta(days=1)
        wake = datetime.combine(day, self.end, tzinfo=ZoneInfo(self.zone))
        return wake.astimezone(at.tzinfo)


def channels_for(preferred: Channel | None, has_phone: bool, has_email: bool,
                 consent: bool) -> list[Channel]:
    """The channels to try in order (empty without consent or contact point)."""
    if not consent:
        return []
    available = [c for c, ok in (("sms", has_phone), ("email", has_email)) if ok]
    order: list[Channel] = [c for c in CHANNELS if c in available]
    if preferred in order:
        order.remove(preferred)
        order.insert(0, preferred)
    return order


def next_channel(tried: Iterable[Channel], order: list[Channel]) -> Channel | None:
    """The next channel the citizen allows after those already tried, or None."""
    done = set(tried)
    return next((c for c in order if c not in done), None)


def backoff(attempt: int) -> timedelta:
    """Wait before attempt ``attempt + 1``: 5 s, 10 s, 20 s… up to 30 minutes."""
    return min(BACKOFF_CAP, BACKOFF_BASE * (2 ** max(0, attempt - 1)))


def list_purpose(name: str) -> str:
    """The consent purpose of a subscription list (``liste:bulletin``…)."""
    return LIST_PREFIX + name
