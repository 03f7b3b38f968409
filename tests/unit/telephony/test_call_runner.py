"""The call runner without Asterisk: a recording fake channel stands for ARI."""

from __future__ import annotations

import asyncio
import contextlib
import typing
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from ivr.domain.outcomes import ContactOutcome
from ivr.domain.prompt_texts import Recording, Text
from ivr.flow import commands as c
from ivr.flow import events as e
from ivr.flow.queries import Query, Unavailable
from ivr.flow.session import CallSession, Stage
from ivr.telephony.call import QUEUE_CONTEXT, CallRunner, record
from tests.fixtures.flow import RULES
from tests.fixtures.telephony import FakeChannel, FakeRecorder, sound

WEDNESDAY = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


class FakeSpeech:
    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    async def start(self, phrases: tuple[str, ...] | None,
                    feed: Callable[[e.Event], None]) -> None:
        self.calls.append(("start", phrases))

    async def stop(self) -> None:
        self.calls.append(("stop",))


async def drive(channel: FakeChannel, *digits: str) -> tuple[CallRunner, FakeRecorder]:
    recorder = FakeRecorder()
    runner = CallRunner(CallSession("c1", RULES), channel, recorder, sound, lambda: WEDNESDAY)
    runner.feed(e.CallStarted(WEDNESDAY, "0612345678", "3000"))
    for digit in digits:
        runner.feed(e.Dtmf(WEDNESDAY, digit))
    await asyncio.sleep(0.05)
    runner.playback_finished(f"c1_{runner.leg}_{runner.session.token}")
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


async def test_the_department_is_kept_between_the_menus_stop_and_the_announcement() -> None:
    """Asterisk sets a variable once the channel's current prompt is over, and replies
    only then: sent behind a playback, it would hold every call on the websocket."""
    channel = FakeChannel()
    await drive(channel, "1", "1")
    names = [call[0] for call in channel.calls]
    kept = names.index("remember", names.index("remember") + 1)  # the department's
    assert names[kept - 1] == "stop" and names[kept + 1] == "play"


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


AT = WEDNESDAY
SAMPLES: list[c.Command] = [
    c.Answer(), c.Play((Text("Bonjour."),), 1), c.StopPlayback(), c.StartTimer(30, 1),
    c.CancelTimer(), c.StartSpeech(("oui", "non")), c.StopSpeech(), c.ToQueue("etat-civil"),
    c.ToVoicemail("etat-civil"), c.Hangup("closed_message"), c.Remember("target", "etat-civil"),
    c.StartContact(AT, "0612345678", "3000", "ref-1"), c.ContactEvent(AT, "dtmf", {"digit": "1"}),
    c.UpdateContact(at=AT, target="etat-civil"),
    c.FinishContact(at=AT, outcome=ContactOutcome.CLOSED),
    c.CloseContact(at=AT, outcome=ContactOutcome.ABANDONED_QUEUE, hangup_stage="handoff:social"),
    c.RequestCallback(AT, "etat-civil", "+33612345678", AT, AT, 3),
    c.Ask(Query(), 1), c.RecordVoice(3, 60, 3),
]


async def test_the_runner_carries_out_every_kind_of_command() -> None:
    """mypy checks that ``_execute`` matches every ``Command`` (``assert_never``); this
    checks at run time that each one does something, so none is silently dropped."""
    assert {type(cmd) for cmd in SAMPLES} == set(typing.get_args(c.Command))
    channel, recorder, speech = FakeChannel(), FakeRecorder(), FakeSpeech()
    runner = CallRunner(CallSession("c3", RULES), channel, recorder, sound, lambda: AT, speech)

    def trace() -> tuple[Any, ...]:
        return (len(channel.calls), len(recorder.ops), len(speech.calls), runner.timer,
                runner.asking)

    for cmd in SAMPLES:
        before = trace()
        await runner._execute(cmd)
        assert trace() != before, cmd
    with pytest.raises(AssertionError):
        await runner._execute(object())  # type: ignore[arg-type]
    runner.task.cancel()


def test_store_commands_reach_their_writer_method() -> None:
    recorder = FakeRecorder()
    for cmd in SAMPLES:
        if isinstance(cmd, typing.get_args(c.StoreCommand)):
            record(recorder, "c4", cmd)
    assert recorder.ops == [
        ("start", "c4", {"started_at": AT, "caller": "0612345678", "called": "3000",
                         "ref": "ref-1"}),
        ("event", "c4", {"kind": "dtmf", "digit": "1"}),
        ("update", "c4", {"target": "etat-civil"}),  # the fields left at None are not written
        ("finish", "c4", {"ended_at": AT, "outcome": "closed"}),
        ("close", "c4", {"ended_at": AT, "outcome": "abandoned_queue",
                         "hangup_stage": "handoff:social"}),
        ("callback", "c4", {"args": (AT, "etat-civil", "+33612345678", AT, AT, 3)}),
    ]


async def stop_reading(runner: CallRunner) -> None:
    """Stop the runner's own reader, so the test reads what reaches the call's queue."""
    runner.task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await runner.task


async def test_an_answer_comes_back_as_an_event_of_the_call() -> None:
    async def answers(query: Query) -> object:
        return "42"

    runner = CallRunner(CallSession("c5", RULES), FakeChannel(), FakeRecorder(), sound,
                        lambda: AT, answers=answers)
    await stop_reading(runner)
    await runner._execute(c.Ask(Query(), 7))
    assert runner.asking is not None
    await runner.asking
    assert runner.queue.get_nowait() == e.Answered(AT, 7, "42")


async def test_without_a_store_every_question_is_unavailable() -> None:
    runner = CallRunner(CallSession("c6", RULES), FakeChannel(), FakeRecorder(), sound,
                        lambda: AT)
    await stop_reading(runner)
    await runner._execute(c.Ask(Query(), 1))
    assert runner.asking is not None
    await runner.asking
    assert runner.queue.get_nowait() == e.Answered(AT, 1, Unavailable("unanswerable"))


async def test_a_recording_is_named_after_the_call_and_comes_back_with_its_token() -> None:
    channel = FakeChannel()
    runner = CallRunner(CallSession("c7", RULES), channel, FakeRecorder(), sound, lambda: AT)
    await stop_reading(runner)
    await runner._execute(c.RecordVoice(5, 60, 3))
    name = f"c7_{runner.leg}_5"  # the leg: a channel back in the app never reuses a name
    assert channel.calls[-1] == ("record", name, 60, 3)
    runner.recording_finished(name, 4.5, ok=True)
    runner.recording_finished(f"c7_{runner.leg}_6", 0.0, ok=False)
    assert runner.queue.get_nowait() == e.VoiceRecorded(AT, 5, name, 4.5)
    assert runner.queue.get_nowait() == e.VoiceRecorded(AT, 6, None, 0.0)


async def test_a_caller_recording_is_played_back_as_a_stored_recording() -> None:
    channel = FakeChannel()
    runner = CallRunner(CallSession("c6", RULES), channel, FakeRecorder(), sound, lambda: AT)
    await stop_reading(runner)
    await runner._execute(c.Play((Text("Voici :"), Recording("c6_ab_3")), 2))
    [(_, names, _)] = [call for call in channel.calls if call[0] == "play"]
    assert names[1] == "recording:c6_ab_3" and names[0].startswith("townhall/")
