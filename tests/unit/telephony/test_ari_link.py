"""The ARI reader outlives a handler's bug: that call is hung up, the others go on."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest

from ivr.telephony.ari_link import AriLink, channel_of


class FakeWebSocket:
    """Asterisk's event websocket: queued events in, REST requests answered (204)."""

    def __init__(self, status: int = 204) -> None:
        self.incoming: asyncio.Queue[str | None] = asyncio.Queue()
        self.sent: list[dict[str, Any]] = []
        self.status = status

    def event(self, **event: Any) -> None:
        self.incoming.put_nowait(json.dumps(event))

    async def send(self, frame: str) -> None:
        request = json.loads(frame)
        self.sent.append(request)
        self.event(type="RESTResponse", request_id=request["request_id"],
                   status_code=self.status, message_body="")

    def __aiter__(self) -> FakeWebSocket:
        return self

    async def __anext__(self) -> str:
        message = await self.incoming.get()
        if message is None:
            raise StopAsyncIteration
        return message


def link_with(ws: FakeWebSocket) -> AriLink:
    link = AriLink("127.0.0.1", 8088, "user", "secret", "townhall-test")
    link._ws = ws
    return link


async def wait_for(condition: Any) -> None:
    async with asyncio.timeout(2):
        while not condition():
            await asyncio.sleep(0.01)


async def test_a_raising_handler_hangs_its_call_up_and_the_reader_goes_on(
        caplog: pytest.LogCaptureFixture) -> None:
    ws = FakeWebSocket()
    link = link_with(ws)
    served: list[str] = []

    def on_dtmf(event: dict[str, Any]) -> None:
        if event["channel"]["id"] == "c1":
            raise KeyError("digit")
        served.append(event["channel"]["id"])

    link.handlers["ChannelDtmfReceived"] = on_dtmf
    reader = asyncio.create_task(link._serve())
    with caplog.at_level(logging.ERROR, "ivr.telephony.ari_link"):
        ws.event(type="ChannelDtmfReceived", channel={"id": "c1"}, digit="1")
        ws.event(type="ChannelDtmfReceived", channel={"id": "c2"}, digit="1")
        await wait_for(lambda: served and ws.sent)
    assert served == ["c2"] and not reader.done()
    assert [(r["method"], r["uri"]) for r in ws.sent] == [("DELETE", "channels/c1")]
    (failure,) = caplog.records
    assert failure.call == "c1" and failure.exc_info  # type: ignore[attr-defined]
    await wait_for(lambda: not link._hangups)  # the hang-up got its answer
    ws.incoming.put_nowait(None)
    await reader


async def test_a_hangup_refused_is_logged_and_the_reader_still_goes_on(
        caplog: pytest.LogCaptureFixture) -> None:
    ws = FakeWebSocket(status=404)  # the caller had left already
    link = link_with(ws)

    def broken(event: dict[str, Any]) -> None:
        raise RuntimeError("bug")

    link.handlers["PlaybackFinished"] = broken
    reader = asyncio.create_task(link._serve())
    ws.event(type="PlaybackFinished", playback={"id": "c5_1", "target_uri": "channel:c5"})
    await wait_for(lambda: ws.sent and not link._hangups)
    assert ws.sent[0]["uri"] == "channels/c5" and not reader.done()
    ws.event(type="Unknown")  # an event without a channel: logged only, nothing to hang up
    ws.incoming.put_nowait(None)
    await reader


def test_the_channel_of_an_event() -> None:
    assert channel_of({"channel": {"id": "c1"}}) == "c1"
    assert channel_of({"playback": {"target_uri": "channel:c2"}}) == "c2"
    assert channel_of({"playback": {"target_uri": "bridge:b1"}}) is None
    assert channel_of({"channel": "garbage", "playback": 3}) is None
