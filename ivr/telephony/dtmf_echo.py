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

# The echo is published by the first read of the channel once 45 ms have passed since
# the end before it (AST_MIN_DTMF_GAP), and the original was read after that same end,
# so the two are less than 45 ms + one read apart; a channel is read at least every
# 20 ms packet: 65 ms, plus 10 ms for Asterisk's thread being scheduled late. A key
# pressed twice cannot end twice within it: each press holds the tone at least 40 ms
# and the pause between presses is at least 40 ms (ITU-T Q.24; phones send 60–100 ms
# events), so two real ends are 80 ms apart or more as sent. Not covered: a digit
# deferred while a short one is emulated (80 ms, ``dtmfminduration``) can be published
# again later than the window; it still reaches the flow twice (not seen measured).
ECHO_WINDOW = timedelta(milliseconds=75)
ASTERISK_TIME = "%Y-%m-%dT%H:%M:%S.%f%z"  # 2026-11-30T22:31:05.123+0000


@dataclass(frozen=True)
class _Published:
    digit: str
    duration_ms: int | None
    at: datetime | None
    echo: bool


class DtmfEchoFilter:
    """Per channel, whether a ``ChannelDtmfReceived`` is Asterisk's echo of the one before.

    An echo is the same digit with the same ``duration_ms`` as the channel's previous
    event, published at most ``ECHO_WINDOW`` after it. Why a real key pressed twice
    does not look like that: the phone cannot end two presses that close (see
    ``ECHO_WINDOW``), and RFC 4733 end packets, sent three times, are deduplicated by
    Asterisk on their RTP timestamp before any event is published. When jitter does
    bring two real presses of one key within the window, Asterisk defers the second
    and publishes it twice: the filter drops its first copy as an echo of the first
    press and keeps its echo, because nothing is taken for the echo of an echo (a
    digit read again is never deferred again), so the caller still gets two keys.
    An event without a readable timestamp or duration is kept: never lose a key.
    """

    def __init__(self) -> None:
        self._last: dict[str, _Published] = {}

    def is_echo(self, channel_id: str, event: dict[str, Any]) -> bool:
        """Whether ``event`` (a ChannelDtmfReceived) repeats the channel's previous one."""
        digit, duration_ms = event["digit"], event.get("duration_ms")
        at = _parsed(event.get("timestamp"))
        before = self._last.get(channel_id)
        echo = (before is not None and not before.echo
                and at is not None and before.at is not None and duration_ms is not None
                and (digit, duration_ms) == (before.digit, before.duration_ms)
                and timedelta(0) <= at - before.at <= ECHO_WINDOW)
        self._last[channel_id] = _Published(digit, duration_ms, at, echo)
        return echo

    def forget(self, channel_id: str) -> None:
        """The channel left the application: nothing of it is kept."""
        self._last.pop(channel_id, None)


def _parsed(timestamp: object) -> datetime | None:
    """Asterisk's event time (its own offset, ``+0000``), None when absent or unreadable."""
    if not isinstance(timestamp, str):
        return None
    try:
        return datetime.strptime(timestamp, ASTERISK_TIME)
    except ValueError:
        return None
