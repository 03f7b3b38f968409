"""Asterisk's doubled DTMF digit, told from a key pressed twice.

Asterisk 22's ``__ast_read`` (main/channel.c, ``AST_FRAME_DTMF_END``) publishes
``ChannelDtmfReceived`` *before* deciding whether to defer the digit: an end read less
than ``AST_MIN_DTMF_GAP`` (45 ms) after the previous digit's end, or while a previous
digit is being emulated, goes back on the channel's read queue, and when it is read
again, once the gap is over, it is published again. The two events are identical
(digit, ``duration_ms``) but for Asterisk's ``timestamp``, 13–18 ms apart as measured
(bench/RESULTS.md, « The 6-second misses »). Under load RTP arrives in bursts, so a
birth date keyed 250 ms a digit gained a digit and the self-service caller was refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

# Asterisk defers a digit whose end it reads less than AST_MIN_DTMF_GAP after the end
# it last delivered (main/channel.c); 5 ms more for the events' millisecond times.
MIN_GAP = timedelta(milliseconds=50)
# The echo is published by the first read of the channel once the gap is over, so less
# than 45 ms + one read after the original; a channel is read at least every 20 ms
# packet: 65 ms, plus 10 ms for Asterisk's thread being scheduled late. Not covered: a
# digit deferred while a short one is emulated (80 ms, ``dtmfminduration``) can be
# published again later than the window; it still reaches the flow twice (not seen).
ECHO_WINDOW = timedelta(milliseconds=75)
ASTERISK_TIME = "%Y-%m-%dT%H:%M:%S.%f%z"  # 2026-11-30T22:31:05.123+0000


@dataclass(frozen=True)
class _Key:
    digit: str
    duration_ms: int
    at: datetime


@dataclass
class _Channel:
    delivered_at: datetime | None = None  # when Asterisk last delivered a digit's end
    deferred: _Key | None = None  # a digit published early, its echo still to come


class DtmfEchoFilter:
    """Per channel, whether a ``ChannelDtmfReceived`` is Asterisk's echo of a digit it
    deferred.

    The filter replays Asterisk's own decision: an event less than ``MIN_GAP`` after
    the last digit Asterisk delivered was deferred, so it is a key (its first
    publication) and its echo is expected: the same digit with the same
    ``duration_ms`` within ``ECHO_WINDOW``, dropped. Nothing else is ever dropped, so a
    key pressed twice stays two keys however close jitter brings its presses (Asterisk
    defers the second and publishes it twice: the second copy goes). An event without
    a readable timestamp or duration is kept and expects no echo: never lose a key.
    """

    def __init__(self) -> None:
        self._channels: dict[str, _Channel] = {}

    def is_echo(self, channel_id: str, event: dict[str, Any]) -> bool:
        """Whether ``event`` (a ChannelDtmfReceived) is the echo of a deferred digit."""
        channel = self._channels.setdefault(channel_id, _Channel())
        at, duration_ms = _parsed(event.get("timestamp")), event.get("duration_ms")
        key = (_Key(event["digit"], duration_ms, at)
               if at is not None and isinstance(duration_ms, int) else None)
        deferred, channel.deferred = channel.deferred, None
        if key is None:
            return False
        if deferred is not None and _echoes(key, deferred):
            channel.delivered_at = key.at  # the digit was delivered with its echo
            return True
        gap = None if channel.delivered_at is None else key.at - channel.delivered_at
        if gap is not None and timedelta(0) <= gap < MIN_GAP:
            channel.deferred = key
        else:
            channel.delivered_at = key.at
        return False

    def forget(self, channel_id: str) -> None:
        """The channel left the application: nothing of it is kept."""
        self._channels.pop(channel_id, None)


def _echoes(key: _Key, deferred: _Key) -> bool:
    return ((key.digit, key.duration_ms) == (deferred.digit, deferred.duration_ms)
            and timedelta(0) <= key.at - deferred.at <= ECHO_WINDOW)


def _parsed(timestamp: object) -> datetime | None:
    """Asterisk's event time (its own offset, ``+0000``), None when absent or unreadable."""
    if not isinstance(timestamp, str):
        return None
    try:
        return datetime.strptime(timestamp, ASTERISK_TIME)
    except ValueError:
        return None
