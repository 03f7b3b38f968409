"""The promise made to a citizen who asks to be called back, in French.

Open department: « Nous vous rappellerons aujourd'hui avant 11 h. » — now plus the
promise delay, rounded up to the quarter hour (a promise a citizen can remember),
capped at closing time. Closed, or closing too soon to keep the promise: the next
opening, « dès la réouverture, lundi à 8 h 30 ». The opening-hours function is a
parameter (``ivr.domain.hours.status`` bound to the rules) so this module stays pure.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple, Protocol
from zoneinfo import ZoneInfo

from ivr.rules.times import DAY_NAMES

QUARTER = timedelta(minutes=15)
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre")


class OpenStatusLike(Protocol):
    """The fields of ``ivr.domain.hours.OpenStatus`` this module reads (read-only: it is frozen)."""

    @property
    def open(self) -> bool: ...
    @property
    def next_opening(self) -> datetime | None: ...
    @property
    def closes_at(self) -> datetime | None: ...


HoursFn = Callable[[str, datetime], OpenStatusLike]


class NoOpening(Exception):
    """The department has no known next opening: no callback can be promised."""


@dataclass(frozen=True)
class OfferParams:
    """How far a callback is promised, and in which zone times are spoken."""

    delay: timedelta = timedelta(hours=2)
    min_lead: timedelta = timedelta(minutes=15)  # less before closing → next opening
    timezone: str = "Europe/Paris"

    @classmethod
    def from_rules(cls, rules: Any) -> OfferParams:
        """Read the town's zone and ``callbacks.promise_within`` (seconds)."""
        return cls(delay=timedelta(seconds=rules.callbacks.promise_within),
                   timezone=rules.town.timezone)


class Offer(NamedTuple):
    due_at: datetime
    promised_before: datetime
    sentence: str


def ceil_quarter(moment: datetime) -> datetime:
    """Round up to the next quarter hour (an exact quarter stays)."""
    floor = moment.replace(minute=moment.minute - moment.minute % 15, second=0, microsecond=0)
    return floor if floor == moment else floor + QUARTER


def spoken_time(moment: datetime) -> str:
    """« 11 h », « 8 h 30 » — the way times are said on French telephone lines."""
    return f"{moment.hour} h" if moment.minute == 0 else f"{moment.hour} h {moment.minute:02d}"


def spoken_day(moment: datetime, now: datetime) -> str:
    """« aujourd'hui », « demain », « lundi », or « le lundi 5 janvier » beyond a week."""
    days = (moment.date() - now.date()).days
    if days == 0:
        return "aujourd'hui"
    if days == 1:
        return "demain"
    name = DAY_NAMES[moment.weekday()]
    if days < 7:
        return name
    return f"le {name} {moment.day} {MONTHS[moment.month - 1]}"


def promised_window(params: OfferParams, target: str, now: datetime, hours_fn: HoursFn) -> Offer:
    """When to call back ``target``'s caller and the French sentence promising it."""
    zone = ZoneInfo(params.timezone)
    now = now.astimezone(zone)
    status = hours_fn(target, now)
    if status.open and _long_enough(status.closes_at, now, params):
        promised = _capped(ceil_quarter(now + params.delay), status.closes_at, zone)
        sentence = f"Nous vous rappellerons aujourd'hui avant {spoken_time(promised)}."
        return Offer(now, promised, sentence)
    opening = _next_opening(status, target, hours_fn)
    opening = opening.astimezone(zone)
    closes = hours_fn(target, opening).closes_at
    promised = _capped(ceil_quarter(opening + params.delay), closes, zone)
    sentence = (f"Nous vous rappellerons dès la réouverture, "
                f"{spoken_day(opening, now)} à {spoken_time(opening)}.")
    return Offer(opening, promised, sentence)


def _long_enough(closes_at: datetime | None, now: datetime, params: OfferParams) -> bool:
    return closes_at is None or closes_at - now >= params.min_lead


def _capped(promised: datetime, closes_at: datetime | None, zone: ZoneInfo) -> datetime:
    return promised if closes_at is None else min(promised, closes_at.astimezone(zone))


def _next_opening(status: OpenStatusLike, target: str, hours_fn: HoursFn) -> datetime:
    """The next opening; when open but closing soon, the opening after this closing."""
    if status.open and status.closes_at is not None:
        status = hours_fn(target, status.closes_at)
    if status.next_opening is None:
        raise NoOpening(target)
    return status.next_opening
