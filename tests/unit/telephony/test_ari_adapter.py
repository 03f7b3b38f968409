"""The ARI adapter's own logic: a channel or playback that vanished under a request (the
caller hung up) is no error, any other refusal is; what a resumed call is made of."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ivr.telephony.ari import AriChannel, resumed_event
from ivr.telephony.ari_link import AriRestError, Params


def no_http() -> Any:
    raise AssertionError("these requests go over the websocket")


def refusing(status: int) -> Any:
    return refusing_with(status, '{"message": "x"}')


def refusing_with(status: int, body: str) -> Any:
    async def request(method: str, uri: str, params: Params | None = None) -> Any:
        raise AriRestError(status, method, uri, body)
    return request


async def test_a_gone_channel_is_reported_not_raised() -> None:
    assert await AriChannel(refusing(404), "c1", no_http).continue_in_dialplan("ctx", "s") is False
    left = refusing_with(409, '{"message":"Channel not in Stasis application"}')
    assert await AriChannel(left, "c1", no_http).continue_in_dialplan("ctx", "s") is False
    await AriChannel(refusing(404), "c1", no_http).stop_playback("c1_3")  # no exception


async def test_other_errors_are_raised() -> None:
    with pytest.raises(AriRestError) as caught:
        await AriChannel(refusing(400), "c1", no_http).play(["x"], "c1_1")
    assert caught.value.status_code == 400


async def test_requests_carry_the_ari_paths_and_query() -> None:
    sent: list[tuple[str, str, Params | None]] = []

    async def request(method: str, uri: str, params: Params | None = None) -> None:
        sent.append((method, uri, params))

    channel = AriChannel(request, "c1", no_http)
    await channel.play(["fr/a", "fr/b", "recording:c1_ab_3"], "c1_2")
    assert await channel.continue_in_dialplan("townhall-queue", "etat-civil") is True
    await channel.record("c1_4", 60, 3)
    assert sent == [
        ("POST", "channels/c1/play/c1_2", [("media", "sound:fr/a"), ("media", "sound:fr/b"),
                                            ("media", "recording:c1_ab_3"), ("lang", "fr")]),
        ("POST", "channels/c1/continue", [("context", "townhall-queue"),
                                          ("extension", "etat-civil"), ("priority", "1")]),
        ("POST", "channels/c1/record", [("name", "c1_4"), ("format", "wav"),
                                        ("maxDurationSeconds", "60"), ("maxSilenceSeconds", "3"),
                                        ("ifExists", "overwrite"), ("beep", "true"),
                                        ("terminateOn", "#")]),
    ]


def test_a_resumed_call_keeps_asterisks_facts_on_the_applications_clock() -> None:
    channel = {"id": "c1", "state": "Ring", "creationtime": "2026-11-29T06:28:10.500+0000",
               "caller": {"number": "0612345678"}, "dialplan": {"exten": "3000"}}
    real_now = datetime(2026, 11, 29, 6, 28, 12, 500000, tzinfo=UTC)  # 2 s later
    shifted_now = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # TOWNHALL_CLOCK
    resumed = resumed_event(channel, "bench-1", shifted_now, real_now, "etat-civil",
                            "principal/demarches")
    assert resumed.started_at == shifted_now - timedelta(seconds=2)
    assert (resumed.caller, resumed.called, resumed.ref) == ("0612345678", "3000", "bench-1")
    assert resumed.answered is False and resumed.target == "etat-civil"
    assert resumed.menus == ("principal", "demarches")
    up = resumed_event({**channel, "state": "Up", "caller": {"number": ""}}, "", real_now,
                       real_now)
    assert up.answered and up.caller is None and up.ref is None and up.menus == ()
