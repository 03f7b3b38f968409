"""The ARI adapter's own logic: a channel or playback that vanished under a request (the
caller hung up) is no error, any other refusal is; what a resumed call is made of; how
a broadcast call is claimed and a stopped process's calls are taken over."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest

from ivr.telephony.ari import RESUME, AriApplication, AriChannel, resumed_event
from ivr.telephony.ari_link import AriRestError, Params
from ivr.telephony.speech_bridge import LEG_PREFIX


def refusing(status: int) -> Any:
    return refusing_with(status, '{"message": "x"}')


def refusing_with(status: int, body: str) -> Any:
    async def request(method: str, uri: str, params: Params | None = None) -> Any:
        raise AriRestError(status, method, uri, body)
    return request


async def test_a_gone_channel_is_reported_not_raised() -> None:
    assert await AriChannel(refusing(404), "c1").continue_in_dialplan("ctx", "s") is False
    left = refusing_with(409, '{"message":"Channel not in Stasis application"}')
    assert await AriChannel(left, "c1").continue_in_dialplan("ctx", "s") is False
    await AriChannel(refusing(404), "c1").stop_playback("c1_3")  # no exception


async def test_other_errors_are_raised() -> None:
    with pytest.raises(AriRestError) as caught:
        await AriChannel(refusing(400), "c1").play(["x"], "c1_1")
    assert caught.value.status_code == 400


async def test_requests_carry_the_ari_paths_and_query() -> None:
    sent: list[tuple[str, str, Params | None]] = []

    async def request(method: str, uri: str, params: Params | None = None) -> None:
        sent.append((method, uri, params))

    channel = AriChannel(request, "c1")
    await channel.play(["fr/a", "fr/b", "recording:c1_ab_3"], "c1_2")
    assert await channel.continue_in_dialplan("townhall-queue", "etat-civil") is True
    await channel.record("c1_4", 60, 3)
    await channel.remember("target", "etat-civil")
    assert sent == [
        ("POST", "channels/c1/play/c1_2", [("media", "sound:fr/a"), ("media", "sound:fr/b"),
                                            ("media", "recording:c1_ab_3"), ("lang", "fr")]),
        ("POST", "channels/c1/continue", [("context", "townhall-queue"),
                                          ("extension", "etat-civil"), ("priority", "1")]),
        ("POST", "channels/c1/record", [("name", "c1_4"), ("format", "wav"),
                                        ("maxDurationSeconds", "60"), ("maxSilenceSeconds", "3"),
                                        ("ifExists", "overwrite"), ("beep", "true"),
                                        ("terminateOn", "#")]),
        ("POST", "channels/c1/variable", [("variable", "TOWNHALL_TARGET"),
                                          ("value", "etat-civil")]),
    ]


async def test_a_variable_not_kept_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    """Only the shortcut after a restart is lost: the call goes on."""
    await AriChannel(refusing(500), "c1").remember("menu", "principal")
    assert "menu not kept on the channel" in caplog.text


async def test_the_welcome_is_sent_before_the_answer_comes_back(
        caplog: pytest.LogCaptureFixture) -> None:
    """Asterisk runs one websocket's requests in order: the first prompt's request
    follows the answer at once instead of waiting for the reply to reach the loop."""
    sent: list[str] = []
    replies: list[asyncio.Future[Any]] = []

    async def submit(method: str, uri: str, params: Params | None = None) -> Any:
        sent.append(uri)
        replies.append(asyncio.get_running_loop().create_future())
        return replies[-1]

    async def request(method: str, uri: str, params: Params | None = None) -> None:
        sent.append(uri)

    channel = AriChannel(request, "c1", submit=submit)
    await channel.answer()
    await channel.play(["fr/a"], "c1_ab_1")
    assert sent == ["channels/c1/answer", "channels/c1/play/c1_ab_1"]
    replies[0].set_exception(AriRestError(404, "POST", "channels/c1/answer", ""))
    await asyncio.sleep(0)
    assert "answer refused" not in caplog.text  # a caller gone meanwhile: nothing to say
    await channel.answer()
    replies[1].set_exception(AriRestError(500, "POST", "channels/c1/answer", "boom"))
    await asyncio.sleep(0)
    assert "answer refused" in caplog.text and "boom" in caplog.text


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


Sent = list[tuple[str, str, Params | None]]


def application(sent: Sent, refuse: dict[str, Exception] | None = None,
                **options: Any) -> AriApplication:
    """An application of process ``t-0`` whose requests are recorded (some refused)."""
    options.setdefault("recorder", None)
    app = AriApplication("127.0.0.1", 1, "u", "p", "t-0", sessions=cast(Any, None),
                         sounds=cast(Any, None), now=lambda: datetime.now(UTC), **options)

    async def request(method: str, uri: str, params: Params | None = None) -> Any:
        sent.append((method, uri, params))
        if uri in (refuse or {}):
            raise (refuse or {})[uri]
        return {"channel_ids": ["c1", "c2", f"{LEG_PREFIX}c1"]} if method == "GET" else None

    app.link.request = request  # type: ignore[method-assign]
    return app


async def test_a_broadcast_call_is_claimed_and_a_lost_race_is_no_error() -> None:
    sent: Sent = []
    app = application(sent, {"events/claim": AriRestError(409, "POST", "events/claim", "")},
                      claim_delay=lambda: 0.01)
    app._on_broadcast({"type": "CallBroadcast", "channel": {"id": "c9"}})
    await asyncio.gather(*app._tasks)
    assert sent == [("POST", "events/claim", [("channelId", "c9"), ("application", "t-0")])]


class Closed(list[tuple[str, str, str]]):
    """A recorder that keeps the contacts ended with ``close_contact``."""

    def close_contact(self, call_id: str, ended_at: datetime, outcome: Any,
                      **fields: Any) -> None:
        self.append((call_id, str(outcome), fields["hangup_stage"]))


async def test_a_takeover_stops_the_prompt_then_moves_each_call_once() -> None:
    sent: Sent = []
    locks: set[tuple[str, int]] = set()

    def take(channel: str, pid: int) -> bool:
        if (channel, pid) in locks:
            return False
        locks.add((channel, pid))
        return True

    gone = AriRestError(404, "POST", "channels/c2/move", "")
    closed = Closed()
    app = application(sent, {"channels/c2/move": gone}, take_orphan=take, recorder=closed)
    assert await app.take_over("t-1", 42, {"c1": "c1_ab_3"}) == 1  # c2 hung up meanwhile
    watch = "applications/t-0/subscription"
    assert sent == [("GET", "applications/t-1", None),
                    ("POST", watch, [("eventSource", "channel:c1")]),
                    ("DELETE", "playbacks/c1_ab_3", None),
                    ("POST", "channels/c1/move", [("app", "t-0"), ("appArgs", RESUME)]),
                    ("POST", watch, [("eventSource", "channel:c2")]),
                    ("POST", "channels/c2/move", [("app", "t-0"), ("appArgs", RESUME)])]
    assert closed == [("c2", "abandoned_menu", "takeover")]  # its contact ends here
    assert app.arriving == {"c1"}
    sent.clear()
    assert await app.take_over("t-1", 42, {"c1": "c1_ab_3"}) == 0  # taken already
    # c1, moved here but still in t-1: its prompt is stopped again, not moved twice
    assert sent == [("GET", "applications/t-1", None), ("DELETE", "playbacks/c1_ab_3", None)]
    sent.clear()
    app.arriving.clear()  # c1 arrived
    assert await app.take_over("t-1", 42, {"c1": "c1_ab_3"}) == 0  # (here or by a peer)
    assert sent == [("GET", "applications/t-1", None)]


async def test_a_call_hanging_up_on_its_way_here_is_ended_once() -> None:
    """The move waits for the stopped process's prompt: a caller who hangs up before
    it is done never reaches this application; the subscription tells it."""
    closed = Closed()
    app = application([], recorder=closed, take_orphan=lambda _c, _p: True)
    assert await app.take_over("t-1", 42, {}) == 2
    app._on_destroyed({"type": "ChannelDestroyed", "channel": {"id": "c1"}})
    app._on_destroyed({"type": "ChannelDestroyed", "channel": {"id": "c1"}})
    app._on_end({"type": "StasisEnd", "channel": {"id": "c3"}})  # not a takeover: nothing
    assert closed == [("c1", "abandoned_menu", "takeover")]
    assert app.arriving == {"c2"}


async def test_a_takeover_cut_half_way_gives_the_call_up_for_the_next_try() -> None:
    released: list[tuple[str, int]] = []
    app = application([], {"channels/c1/move": ConnectionError("link down")},
                      release_orphan=lambda channel, pid: released.append((channel, pid)))
    with pytest.raises(ConnectionError):
        await app.take_over("t-1", 42, {})
    assert released == [("c1", 42)]
