"""Asterisk's second publication of a deferred DTMF digit is dropped, a key pressed again
is kept (``ivr.telephony.dtmf_echo``); the adapter feeds the flow one key per press."""

import logging
from datetime import UTC, datetime
from typing import Any, cast

import pytest

from ivr.flow import events as e
from ivr.telephony.ari import AriApplication
from ivr.telephony.dtmf_echo import DtmfEchoFilter


def dtmf(digit: str, at: str | None, duration_ms: int | None = 20,
         channel: str = "c1") -> dict[str, Any]:
    """A ChannelDtmfReceived as Asterisk sends it (``at``: seconds.millis of 22:51)."""
    event: dict[str, Any] = {"type": "ChannelDtmfReceived", "digit": digit,
                             "channel": {"id": channel}}
    if at is not None:
        event["timestamp"] = f"2026-11-30T22:51:{at}+0000"
    if duration_ms is not None:
        event["duration_ms"] = duration_ms
    return event


def kept(events: list[dict[str, Any]]) -> str:
    echoes = DtmfEchoFilter()
    return "".join(event["digit"] for event in events
                   if not echoes.is_echo(event["channel"]["id"], event))


def test_the_measured_echo_is_dropped() -> None:
    # « 4 » then « 7 » 30 ms later: Asterisk published 4, 7, 7 (15 ms apart)
    assert kept([dtmf("4", "37.888"), dtmf("7", "37.918"), dtmf("7", "37.933")]) == "47"


@pytest.mark.parametrize("second", [
    dtmf("7", "38.218"),  # the same key pressed again 300 ms later
    dtmf("8", "37.933"),  # another key
    dtmf("7", "37.933", duration_ms=140),  # another press: its own duration
    dtmf("7", "37.994"),  # 76 ms later: past Asterisk's gap and one read
    dtmf("7", "37.900"),  # before the first (out of order): not its echo
    dtmf("7", None),  # no timestamp: never lose a key
    dtmf("7", "37.933", duration_ms=None),
    dtmf("7", "not a time"),
    dtmf("7", "37.933", channel="c2"),  # another caller
])
def test_anything_else_is_a_key(second: dict[str, Any]) -> None:
    assert kept([dtmf("7", "37.918"), second]) == "7" + second["digit"]


def test_asterisks_offset_is_read() -> None:
    # 23:51:37.950 in Paris is 22:51:37.950 UTC: 17 ms after the deferred 7, its echo
    paris = {**dtmf("7", None), "timestamp": "2026-11-30T23:51:37.950+0100"}
    assert kept([dtmf("4", "37.888"), dtmf("7", "37.918"), paris]) == "47"
    later = {**dtmf("7", None), "timestamp": "2026-11-30T22:51:37.950-0100"}  # 2 h later
    assert kept([dtmf("4", "37.888"), dtmf("7", "37.918"), later]) == "477"


def test_a_digit_not_deferred_has_no_echo() -> None:
    # « 11 » keyed 200 ms apart but read by Asterisk 30 ms apart in a burst after a long
    # pause: the second 1 was deferred (a key), only a third copy is its echo
    assert kept([dtmf("1", "37.000"), dtmf("1", "37.030")]) == "11"
    assert kept([dtmf("1", "37.000"), dtmf("1", "37.030"), dtmf("1", "37.046")]) == "11"


def test_a_key_pressed_twice_in_a_burst_stays_two_keys() -> None:
    # « 99 » reaching Asterisk 5 ms apart: the second is deferred, published twice
    assert kept([dtmf("9", "37.000"), dtmf("9", "37.005"), dtmf("9", "37.045")]) == "99"


def test_a_channel_gone_is_forgotten() -> None:
    echoes = DtmfEchoFilter()
    assert not echoes.is_echo("c1", dtmf("7", "37.918"))
    echoes.forget("c1")
    assert echoes._channels == {}
    assert not echoes.is_echo("c1", dtmf("7", "37.933"))  # a new call on a reused id


class Runner:
    def __init__(self) -> None:
        self.fed: list[e.Event] = []

    def feed(self, event: e.Event) -> None:
        self.fed.append(event)


def test_the_adapter_feeds_one_key_per_press_and_logs_the_echo_without_its_digit(
        caplog: pytest.LogCaptureFixture) -> None:
    app = AriApplication("127.0.0.1", 1, "u", "p", "t-0", sessions=cast(Any, None),
                         recorder=cast(Any, None), sounds=cast(Any, None),
                         now=lambda: datetime(2026, 11, 30, tzinfo=UTC))
    runner = Runner()
    app.runners["c1"] = cast(Any, runner)
    with caplog.at_level(logging.DEBUG, logger="ivr.telephony.ari"):
        for event in (dtmf("4", "37.888"), dtmf("7", "37.918"), dtmf("7", "37.933")):
            app._on_dtmf(event)
    assert [event.digit for event in runner.fed if isinstance(event, e.Dtmf)] == ["4", "7"]
    [record] = [r for r in caplog.records if "deferred DTMF" in r.getMessage()]
    assert record.call == "c1" and "7" not in record.getMessage()
    app._on_end({"type": "StasisEnd", "channel": {"id": "c1"}})
    assert app.dtmf_echoes._channels == {}
