"""The call runner without Asterisk: a recording fake channel stands for ARI."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from ivr.flow import events as e
from ivr.flow.session import CallSession, Stage
from ivr.telephony.call import QUEUE_CONTEXT, CallRunner
from tests.unit.flow.test_session import RULES

WEDNESDAY = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


class FakeChannel:
    """Records what the runner asks of Asterisk; ``gone`` simulates a caller who left."""

    def __init__(self, gone: bool = False, fail_play: bool = False) -> None:
        self.gone, self.fail_play = gone, fail_play
        self.calls: list[tuple[Any, ...]] = []

    async def answer(self) -> None:
        self.calls.append(("answer",))

    async def play(self, sounds: list[str], playback_id: str) -> None:
        if self.fail_play:
            raise RuntimeError("ARI said 500")
        self.calls.append(("play", tuple(sounds), playback_id))

    async def stop_playback(self, playback_id: str) -> None:
        self.calls.append(("stop", playback_id))

    async def continue_in_dialplan(self, context: str, extension: str) -> bool:
        self.calls.append(("continue", context, extension))
        return not self.gone

    async def hangup(self) -> None:
        self.calls.append(("hangup",))

    async def remember(self, name: str, value: str) -> None:
        self.calls.append(("remember", name, value))


class FakeRecorder:
    def __init__(self) -> None:
        self.ops: list[tuple[str, str, dict[str, Any]]] = []

    def start_contact(self, call_id: str, **f: Any) -> None:
        self.ops.append(("start", call_id, f))

    def event(self, call_id: str, kind: str, at: Any, **d: Any) -> None:
        self.ops.append(("event", call_id, {"kind": kind, **d}))

    def update_contact(self, call_id: str, **f: Any) -> None:
        self.ops.append(("update", call_id, f))

    def finish_contact(self, call_id: str, **f: Any) -> None:
        self.ops.append(("finish", call_id, f))


async def sound(item: Any) -> str:
    return f"townhall/{abs(hash(item)) % 1000}"


async def drive(channel: FakeChannel, *digits: str) -> tuple[CallRunner, FakeRecorder]:
    recorder = FakeRecorder()
    runner = CallRunner(CallSession("c1", RULES), channel, recorder, sound, lambda: WEDNESDAY)
    runner.feed(e.CallStarted(WEDNESDAY, "0612345678", "3000"))
    for digit in digits:
        runner.feed(e.Dtmf(WEDNESDAY, digit))
    await asyncio.sleep(0.05)
    runner.playback_finished(f"c1_{runner.session.token}")
    await asyncio.wait_for(runner.task, 2)
    return runner, recorder


async def test_keys_lead_to_the_queue_in_order() -> None:
    channel = FakeChannel()
    runner, _ = await drive(channel, "1", "1")
    assert channel.calls[0] == ("answer",)
    assert channel.calls[-1] == ("continue", QUEUE_CONTEXT, "etat-civil")
    kept = [call[1:] for call in channel.calls if call[0] == "remember"]
    assert kept == [("menu", "principal/demarches"), ("target", "etat-civil")]
    assert runner.session.stage is Stage.DONE


async def test_caller_gone_at_hand_off_is_recorded_as_abandoned() -> None:
    _, recorder = await drive(FakeChannel(gone=True), "1", "1")
    finish = [f for op, _, f in recorder.ops if op == "finish"]
    assert finish[-1]["outcome"] == "abandoned_menu" and finish[-1]["hangup_stage"] == "announce"


async def test_a_failure_sends_the_caller_to_the_dialplan_fallback() -> None:
    channel = FakeChannel(fail_play=True)
    recorder = FakeRecorder()
    runner = CallRunner(CallSession("c2", RULES), channel, recorder, sound, lambda: WEDNESDAY)
    runner.feed(e.CallStarted(WEDNESDAY, None, None))
    await asyncio.wait_for(runner.task, 2)
    assert channel.calls[-1] == ("continue", "townhall-fallback", "s")
    assert ("update", "c2", {"outcome": "fallback"}) in recorder.ops
