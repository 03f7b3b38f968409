"""The speech bridge without Asterisk or vosk: a recording fake of ARI REST, a scripted
recogniser, and real RTP packets sent to the bridge's real UDP receiver."""

from __future__ import annotations

import asyncio
import logging
import socket
import struct
from datetime import UTC, datetime
from typing import Any

import pytest

from ivr.domain.intent import IntentMatcher
from ivr.flow import events as e
from ivr.flow.session import CallSession
from ivr.speech import EventCallback, Final, NoSpeech, SpeechStarted
from ivr.telephony.call import CallRunner
from ivr.telephony.speech_bridge import (
    AUDIO_GAP_SECONDS,
    LEG_PREFIX,
    SPEECH_ARG,
    SpeechBridge,
)
from tests.fixtures.flow import RULES
from tests.fixtures.telephony import FakeChannel, FakeRecorder, sound

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
PORTS = range(47300, 47400)


class FakeRest:
    """Records the REST calls; ``fail`` maps a method to the errors its next calls raise."""

    def __init__(self, fail: dict[str, list[Exception]] | None = None) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.fail = fail or {}

    def _do(self, name: str, *args: Any) -> None:
        self.calls.append((name, *args))
        if self.fail.get(name):
            raise self.fail[name].pop(0)

    async def snoop_channel(self, channel_id: str, spy: Any = None, whisper: Any = None,
                            app_args: str | None = None, snoop_id: str | None = None) -> Any:
        self._do("snoop", channel_id, spy, app_args, snoop_id)

    async def create_external_media(self, external_host: str, format: str, *,
                                    channel_id: str | None = None,
                                    data: str | None = None) -> Any:
        self._do("external_media", external_host, format, channel_id, data)

    async def create_bridge(self, type: str | None = None, bridge_id: str | None = None,
                            name: str | None = None) -> Any:
        self._do("bridge", type, bridge_id)

    async def bridge_add_channel(self, bridge_id: str, channel_id: str | list[str]) -> Any:
        self._do("add", bridge_id, channel_id)

    async def stop_bridge(self, bridge_id: str) -> Any:
        self._do("stop_bridge", bridge_id)

    async def stop_channel(self, channel_id: str) -> Any:
        self._do("stop_channel", channel_id)

    def named(self, name: str) -> list[tuple[Any, ...]]:
        return [call for call in self.calls if call[0] == name]


class FakeStream:
    def __init__(self, grammar: list[str] | None, on_event: EventCallback) -> None:
        self.grammar, self.on_event = grammar, on_event
        self.pcm = bytearray()
        self.finished = False

    def feed(self, pcm: bytes) -> None:
        self.pcm += pcm

    def finish(self) -> None:
        self.finished = True


class FakeRecogniser:
    def __init__(self) -> None:
        self.streams: list[FakeStream] = []

    def open_stream(self, grammar: list[str] | None, on_event: EventCallback) -> FakeStream:
        self.streams.append(FakeStream(grammar, on_event))
        return self.streams[-1]


class Harness:
    """A started bridge, the events it fed, and a phone that sends it RTP."""

    def __init__(self, rest: FakeRest | None = None) -> None:
        self.rest = rest or FakeRest()
        self.engine = FakeRecogniser()
        self.events: list[e.Event] = []
        self.bridge = SpeechBridge(lambda: self.rest, self.engine, "caller-1", PORTS,
                                   lambda: NOW)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.seq = 0

    async def start(self, phrases: tuple[str, ...] | None = None) -> None:
        await self.bridge.start(phrases, self.events.append)

    async def send(self, *samples: int, packets: int = 1) -> None:
        """RTP slin16 as Asterisk sends it: big-endian samples."""
        assert self.bridge.receiver is not None and self.bridge.receiver.port is not None
        for _ in range(packets):
            self.seq += 1
            header = struct.pack("!BBHII", 0x80, 118, self.seq, self.seq * 320, 1234)
            payload = struct.pack(f"!{len(samples)}h", *samples)
            self.sock.sendto(header + payload, ("127.0.0.1", self.bridge.receiver.port))
        await settle()

    def recognise(self, event: Any, stream: int = -1) -> None:
        self.engine.streams[stream].on_event(event)


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0.01)


LOUD = (8000, -8000) * 160  # 20 ms at 16 kHz, about -12 dBFS
QUIET = (0,) * 320


async def test_start_builds_snoop_and_external_media_in_one_bridge() -> None:
    h = Harness()
    await h.start()
    assert h.bridge.receiver is not None
    (_, kind, bridge_id), = h.rest.named("bridge")
    (_, host, fmt, media_id, data), = h.rest.named("external_media")
    (_, caller, spy, args, snoop_id), = h.rest.named("snoop")
    assert kind == "mixing" and fmt == "slin16"
    assert host == f"127.0.0.1:{h.bridge.receiver.port}"
    assert (caller, spy) == ("caller-1", "in")  # the caller's voice only, never the prompt
    assert data == args == SPEECH_ARG  # so AriApplication._on_start ignores these legs
    assert h.rest.named("add") == [("add", bridge_id, snoop_id), ("add", bridge_id, media_id)]
    assert all(i.startswith(LEG_PREFIX) for i in (bridge_id, media_id, snoop_id))
    await h.start()  # a second StartSpeech reuses the legs
    assert len(h.rest.named("bridge")) == 1
    await h.bridge.stop()


async def test_stop_releases_bridge_channels_port_and_stream() -> None:
    h = Harness()
    await h.start()
    await h.send(*QUIET)
    port = h.bridge.receiver.port if h.bridge.receiver else None
    await h.bridge.stop()
    (_, bridge_id), = h.rest.named("stop_bridge")
    stopped = {call[1] for call in h.rest.named("stop_channel")}
    assert bridge_id.startswith(LEG_PREFIX) and len(stopped) == 2
    assert h.engine.streams[0].finished
    await settle()
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.bind(("127.0.0.1", port))  # the port is free again
    probe.close()
    await h.bridge.stop()  # idempotent
    assert len(h.rest.named("stop_bridge")) == 1


async def test_audio_arrives_little_endian_and_events_come_in_order() -> None:
    h = Harness()
    await h.start()
    await h.send(0x0102, -2)
    assert bytes(h.engine.streams[0].pcm) == struct.pack("<2h", 0x0102, -2)
    await h.send(*LOUD, packets=5)  # energy: barge-in before the recogniser's first word
    h.recognise(SpeechStarted())
    h.recognise(Final("annyeong", 0.61, ()))
    await settle()
    assert h.events == [e.SpeechHeard(NOW), e.SpeechFinal(NOW, "annyeong", 0.61)]


async def test_next_utterance_opens_with_the_phrases_of_the_latest_start() -> None:
    h = Harness()
    await h.start()
    await h.send(*QUIET)
    h.recognise(SpeechStarted())
    h.recognise(Final("x", 0.5, ()))
    await settle()
    await h.start(("oui", "non"))  # the session now confirms: a StartSpeech with yes/no
    await h.send(*QUIET)
    assert [s.grammar for s in h.engine.streams] == [None, ["oui", "non"]]
    h.recognise(Final("late", 0.9, ()), stream=0)  # an earlier stream's straggler
    await settle()
    assert [type(ev) for ev in h.events] == [e.SpeechHeard, e.SpeechFinal]
    await h.bridge.stop()


async def test_silence_restarts_listening_but_noise_without_words_is_a_failure() -> None:
    h = Harness()
    await h.start()
    await h.send(*QUIET)
    h.recognise(NoSpeech())  # a caller quietly listening to the prompt
    await settle()
    assert h.events == []
    await h.send(*LOUD, packets=5)
    h.recognise(NoSpeech())  # heard, but nothing recognisable
    await settle()
    assert h.events == [e.SpeechHeard(NOW), e.SpeechFinal(NOW, "", 0.0)]
    await h.bridge.stop()


async def test_nothing_is_fed_after_stop() -> None:
    h = Harness()
    await h.start()
    await h.send(*QUIET)
    await h.bridge.stop()
    h.recognise(Final("too late", 0.9, ()))
    await settle()
    assert h.events == []


async def test_setup_failure_releases_what_was_made_and_keeps_the_call(
        caplog: pytest.LogCaptureFixture) -> None:
    h = Harness(FakeRest(fail={"snoop": [RuntimeError("Failed to snoop channel: 500 ")]}))
    await h.start()
    assert "speech input could not be set up" in caplog.text
    assert h.bridge.receiver is None and not h.bridge.listening
    assert len(h.rest.named("stop_bridge")) == 1 and len(h.rest.named("stop_channel")) == 2


async def test_teardown_after_the_caller_left_is_quiet(caplog: pytest.LogCaptureFixture) -> None:
    gone = RuntimeError("Failed to stop channel: 404 {\"message\":\"Channel not found\"}")
    h = Harness(FakeRest(fail={"stop_channel": [gone, gone]}))
    await h.start()
    await h.bridge.stop()
    assert "not released" not in caplog.text
    assert len(h.rest.named("stop_channel")) == 2


async def test_legs_are_bridged_once_they_have_entered_the_application() -> None:
    not_yet = RuntimeError('Failed to add channel to bridge: 400 {"message":"Channel not found"}')
    on_its_way = RuntimeError('Failed to add channel to bridge: 422 '
                              '{"message":"Channel not in Stasis application"}')
    h = Harness(FakeRest(fail={"add": [not_yet, on_its_way, not_yet]}))
    await h.start()
    assert len(h.rest.named("add")) == 5 and h.bridge.legs is not None
    await h.bridge.stop()


async def test_a_caller_gone_during_set_up_is_no_error(caplog: pytest.LogCaptureFixture) -> None:
    gone = RuntimeError('Failed to snoop channel: 404 {"message":"Channel not found"}')
    caplog.set_level(logging.INFO, "ivr.telephony.speech_bridge")
    h = Harness(FakeRest(fail={"snoop": [gone]}))
    await h.start()
    assert "caller left during speech set-up" in caplog.text
    assert "ERROR" not in caplog.text and h.bridge.receiver is None


async def test_runner_starts_speech_and_tears_it_down_when_the_caller_hangs_up() -> None:
    h = Harness()
    session = CallSession("caller-1", RULES, matcher=IntentMatcher.from_rules(RULES))
    runner = CallRunner(session, FakeChannel(), FakeRecorder(), sound, lambda: NOW, h.bridge)
    runner.feed(e.CallStarted(NOW, "0612345678", "3000"))
    await settle()
    assert h.bridge.listening and len(h.rest.named("add")) == 2
    await h.send(*LOUD, packets=5)  # the caller talks over the welcome prompt
    await settle()
    assert ("stop", f"caller-1_{runner.leg}_1") in runner.channel.calls  # type: ignore[attr-defined]
    runner.feed(e.HungUp(NOW))
    await asyncio.wait_for(runner.task, 2)
    assert len(h.rest.named("stop_bridge")) == 1 and h.bridge.receiver is None
    assert h.engine.streams[0].finished


async def test_audio_stopping_after_speech_ends_the_utterance() -> None:
    """Phones with silence suppression send nothing after the words: the bridge must
    ask for the result itself instead of waiting for silence that never comes."""
    h = Harness()
    await h.start()
    await h.send(*LOUD, packets=5)
    assert not h.engine.streams[0].finished
    await asyncio.sleep(AUDIO_GAP_SECONDS + 0.2)
    assert h.engine.streams[0].finished
    await h.send(*LOUD)  # audio while the result is pending is not fed to a new stream
    assert len(h.engine.streams) == 1
    h.recognise(Final("bonjour", 0.8, ()))
    await settle()
    assert h.events == [e.SpeechHeard(NOW), e.SpeechFinal(NOW, "bonjour", 0.8)]
    await h.bridge.stop()


async def test_quiet_listening_never_ends_an_utterance() -> None:
    h = Harness()
    await h.start()
    await h.send(*QUIET, packets=3)
    await asyncio.sleep(AUDIO_GAP_SECONDS + 0.2)
    assert not h.engine.streams[0].finished and h.events == []
    await h.bridge.stop()
