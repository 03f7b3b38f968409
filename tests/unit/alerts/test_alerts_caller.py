"""The ARI side of one alert call over a fake link: originate, the dialogue's plays, the
key reported before the goodbye, AMD() through the dialplan, busy numbers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from ivr.alerts.adapters.caller import AMD_CONTEXT, AriAlertCaller, CallerConfig, CallRequest
from ivr.alerts.policy import Result

CHANNEL = "alert-1-2-3"


class FakeLink:
    """Records REST requests; the test feeds events through ``emit``."""

    app = "townhall-ivr-alerts"

    def __init__(self) -> None:
        self.handlers: dict[str, Callable[[dict[str, Any]], None]] = {}
        self.requests: list[tuple[str, str, dict[str, str]]] = []

    async def request(self, method: str, uri: str,
                      params: list[tuple[str, str]] | None = None) -> Any:
        self.requests.append((method, uri, dict(params or [])))
        return None

    def emit(self, kind: str, **fields: Any) -> None:
        self.handlers[kind]({"type": kind, **fields})


def request(detect: bool = False) -> CallRequest:
    return CallRequest(CHANNEL, "+33612345671", detect_machine=detect, leave_on_machine=False,
                       message=("sound:townhall/alerte",))


async def scripted(detect: bool, script: Callable[[FakeLink, list[str]], Any]) -> tuple[
        FakeLink, list[str]]:
    link, log = FakeLink(), []
    caller = AriAlertCaller(link, CallerConfig(key_wait=0.2), lambda text: "townhall/t")

    async def report(result: Result) -> None:
        log.append(f"report {result.value}")

    async def drive() -> None:
        await script(link, log)

    await asyncio.gather(caller.call(request(detect), report), drive())
    return link, log


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def played(link: FakeLink) -> list[str]:
    return [uri.rsplit("/", 1)[1] for method, uri, _ in link.requests
            if method == "POST" and "/play/" in uri]


def test_acknowledged_call_reports_before_the_goodbye() -> None:
    async def script(link: FakeLink, log: list[str]) -> None:
        await settle()
        link.emit("StasisStart", channel={"id": CHANNEL}, args=["alert"])
        await settle()
        link.emit("PlaybackFinished", playback={"id": f"{CHANNEL}-p1"})
        await settle()
        link.emit("ChannelDtmfReceived", channel={"id": CHANNEL}, digit="1")
        await settle()
        log.append("goodbye playing" if played(link)[-1] == f"{CHANNEL}-p3" else "no goodbye")
        link.emit("PlaybackFinished", playback={"id": f"{CHANNEL}-p3"})

    link, log = asyncio.run(scripted(False, script))
    originate = link.requests[0]
    assert originate[:2] == ("POST", "channels")
    assert originate[2]["endpoint"] == "PJSIP/0612345671@citizen-trunk"
    assert originate[2]["appArgs"] == "alert"
    assert log == ["report acquitte", "goodbye playing"]
    assert ("DELETE", f"playbacks/{CHANNEL}-p2", {}) in link.requests  # the message cut
    assert link.requests[-1][:2] == ("DELETE", f"channels/{CHANNEL}")


def test_information_mode_goes_through_amd_and_plays_to_a_person() -> None:
    async def script(link: FakeLink, log: list[str]) -> None:
        await settle()
        link.emit("StasisStart", channel={"id": CHANNEL}, args=["alert"])
        await settle()
        link.emit("StasisEnd", channel={"id": CHANNEL})
        link.emit("StasisStart", channel={"id": CHANNEL}, args=["amd", "HUMAN"])
        await settle()
        link.emit("ChannelDestroyed", channel={"id": CHANNEL}, cause=16)

    link, log = asyncio.run(scripted(True, script))
    assert ("POST", f"channels/{CHANNEL}/continue",
            {"context": AMD_CONTEXT, "extension": "s", "priority": "1"}) in link.requests
    assert played(link) == [f"{CHANNEL}-p1"] and log == ["report repondu"]


def test_a_busy_number_is_reported_busy() -> None:
    async def script(link: FakeLink, log: list[str]) -> None:
        await settle()
        link.emit("ChannelDestroyed", channel={"id": CHANNEL}, cause=17)

    _, log = asyncio.run(scripted(False, script))
    assert log == ["report occupe"]
