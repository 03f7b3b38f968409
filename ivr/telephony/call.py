"""One call's runner: feeds events to its ``CallSession`` and carries out the commands.

Events for a call are processed strictly in order by one task, so a DTMF never
overtakes the StasisStart it follows, while different calls never wait on each other.
A failure here never strands a caller: the channel is sent to the dialplan fallback.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, assert_never

from ivr.domain.outcomes import ContactOutcome
from ivr.domain.prompt_texts import Item, Recording
from ivr.flow import commands as c
from ivr.flow import events as e
from ivr.flow.queries import Query, Unavailable
from ivr.flow.session import CallSession, Stage

log = logging.getLogger(__name__)

FALLBACK_CONTEXT = "townhall-fallback"
QUEUE_CONTEXT = "townhall-queue"
VOICEMAIL_CONTEXT = "townhall-voicemail"


class Channel(Protocol):
    """The telephony operations a call needs; ``AriChannel`` implements it over REST."""

    async def answer(self) -> None: ...
    async def play(self, sounds: list[str], playback_id: str) -> None: ...
    async def stop_playback(self, playback_id: str) -> None: ...
    async def continue_in_dialplan(self, context: str, extension: str) -> bool: ...
    async def hangup(self) -> None: ...
    async def remember(self, name: str, value: str) -> None: ...
    async def record(self, name: str, max_seconds: int, silence_seconds: int) -> None: ...


class Recorder(Protocol):
    """The store writer's non-blocking interface (see ``ivr.store.writer``)."""

    def start_contact(self, call_id: str, started_at: datetime, caller: str | None,
                      called: str | None, channel: str = ..., direction: str = ...,
                      ref: str | None = ...) -> None: ...
    def event(self, call_id: str, kind: str, at: datetime, **data: Any) -> None: ...
    def update_contact(self, call_id: str, **fields: Any) -> None: ...
    def finish_contact(self, call_id: str, ended_at: datetime, outcome: ContactOutcome,
                       **fields: Any) -> None: ...
    def close_contact(self, call_id: str, ended_at: datetime, outcome: ContactOutcome,
                      **fields: Any) -> None: ...
    def request_callback(self, call_id: str, at: datetime, target: str, number: str,
                         due_at: datetime, promised_before: datetime,
                         max_attempts: int) -> None: ...


class SpeechInput(Protocol):
    """The caller's voice to the recogniser; ``ivr.telephony.speech_bridge`` implements it."""

    async def start(self, phrases: tuple[str, ...] | None,
                    feed: Callable[[e.Event], None]) -> None: ...
    async def stop(self) -> None: ...


SoundResolver = Callable[[Item], Awaitable[str]]
Answers = Callable[[Query], Awaitable[object]]
"""Answers dialogues' questions (``ivr.store.answers.StoreAnswers``)."""


async def unanswered(query: Query) -> object:
    """The answers of a process wired to no store (tests of the telephony alone)."""
    return Unavailable("unanswerable")


def record(recorder: Recorder, call_id: str, cmd: c.StoreCommand) -> None:
    """Hand one store command of ``call_id`` to the writer method it stands for."""
    match cmd:
        case c.StartContact():
            recorder.start_contact(call_id, started_at=cmd.at, caller=cmd.caller,
                                   called=cmd.called, ref=cmd.ref)
        case c.ContactEvent():
            recorder.event(call_id, cmd.kind, cmd.at, **cmd.data)
        case c.UpdateContact():
            recorder.update_contact(call_id, **cmd.fields())
        case c.FinishContact():
            recorder.finish_contact(call_id, ended_at=cmd.at, **cmd.fields())
        case c.CloseContact():
            recorder.close_contact(call_id, ended_at=cmd.at, **cmd.fields())
        case c.RequestCallback():  # spooled by the writer: kept even if the DB is down
            recorder.request_callback(call_id, cmd.at, cmd.target, cmd.number, cmd.due_at,
                                      cmd.promised_before, cmd.max_attempts)
        case _:
            assert_never(cmd)


@dataclass
class CallRunner:
    """Runs one call: an event queue, the session, a timer and the current playback."""

    session: CallSession
    channel: Channel
    recorder: Recorder
    sounds: SoundResolver
    now: Callable[[], Any]
    speech: SpeechInput | None = None  # None: keypad only
    answers: Answers = unanswered

    def __post_init__(self) -> None:
        self.queue: asyncio.Queue[e.Event] = asyncio.Queue()
        self.timer: asyncio.TimerHandle | None = None
        self.playback: str | None = None
        # A channel can come back into the application (callback offer, survey): a new
        # runner's tokens restart at 1, so its playback and recording names carry a
        # leg of their own, or Asterisk refuses an id it still knows.
        self.leg = secrets.token_hex(3)
        self.asking: asyncio.Task[None] | None = None
        self.task = asyncio.get_running_loop().create_task(self._run())

    @property
    def call_id(self) -> str:
        return self.session.call_id

    def feed(self, event: e.Event) -> None:
        """Queue an event (synchronous, so arrival order is kept)."""
        self.queue.put_nowait(event)

    def recording_finished(self, name: str, seconds: float, ok: bool) -> None:
        """Map an ARI recording back to the session's token (named like playbacks)."""
        token = int(name.rsplit("_", 1)[1])
        self.feed(e.VoiceRecorded(self.now(), token, name if ok else None, seconds))

    def playback_finished(self, playback_id: str) -> None:
        """Map an ARI playback id back to the session's token."""
        if playback_id == self.playback:
            self.playback = None
        token = int(playback_id.rsplit("_", 1)[1])
        self.feed(e.PlaybackDone(self.now(), token))

    async def _run(self) -> None:
        while self.session.stage != Stage.DONE:
            event = await self.queue.get()
            try:
                for command in self.session.handle(event):
                    await self._execute(command)
            except Exception:
                log.exception("call flow failed; sending the caller to the fallback",
                              extra={"call": self.call_id})
                await self._rescue()
                return
        self._cancel_timer()
        await self._stop_speech()

    async def _rescue(self) -> None:
        """Last resort: the dialplan fallback answers for the application."""
        self.session.stage = Stage.DONE
        self.recorder.event(self.call_id, "app_error", self.now())
        self.recorder.update_contact(self.call_id, outcome=ContactOutcome.FALLBACK)
        await self._stop_speech()
        try:
            await self.channel.continue_in_dialplan(FALLBACK_CONTEXT, "s")
        except Exception:
            log.exception("fallback failed too", extra={"call": self.call_id})

    async def _execute(self, cmd: c.Command) -> None:
        match cmd:
            case (c.StartContact() | c.ContactEvent() | c.UpdateContact() | c.FinishContact()
                  | c.CloseContact() | c.RequestCallback()):
                record(self.recorder, self.call_id, cmd)
            case c.Answer():
                await self.channel.answer()
            case c.Play():
                await self._play(cmd)
            case c.StopPlayback():
                await self._stop_playback()
            case c.StartTimer():
                self._start_timer(cmd)
            case c.CancelTimer():
                self._cancel_timer()
            case c.ToQueue():
                await self._hand_off(QUEUE_CONTEXT, cmd.target)
            case c.ToVoicemail():
                await self._hand_off(VOICEMAIL_CONTEXT, cmd.target)
            case c.Hangup():
                await self.channel.hangup()
            case c.Remember():  # right after a StopPlayback, before the next prompt
                await self.channel.remember(cmd.name, cmd.value)
            case c.StartSpeech():
                if self.speech is not None:
                    await self.speech.start(cmd.phrases, self.feed)
            case c.StopSpeech():
                await self._stop_speech()
            case c.Ask():
                self._ask(cmd)
            case c.RecordVoice():
                await self.channel.record(f"{self.call_id}_{self.leg}_{cmd.token}", cmd.max_seconds,
                                          cmd.silence_seconds)
            case _:
                assert_never(cmd)

    def _ask(self, cmd: c.Ask) -> None:
        """Answer off this call's queue, so hang-ups and keys are not held up."""
        async def answer() -> None:
            self.feed(e.Answered(self.now(), cmd.token, await self.answers(cmd.query)))

        self.asking = asyncio.get_running_loop().create_task(answer())

    async def _stop_speech(self) -> None:
        if self.speech is not None:
            await self.speech.stop()

    async def _hand_off(self, context: str, target: str) -> None:
        """Pass the call to the dialplan; a caller who left meanwhile abandoned it."""
        if not await self.channel.continue_in_dialplan(context, target):
            self.recorder.finish_contact(self.call_id, ended_at=self.now(),
                                         outcome=ContactOutcome.ABANDONED_MENU,
                                         hangup_stage="announce")

    async def _play(self, cmd: c.Play) -> None:
        await self._stop_playback()
        names = [item.media if isinstance(item, Recording) else await self.sounds(item)
                 for item in cmd.items]
        self.playback = f"{self.call_id}_{self.leg}_{cmd.token}"
        await self.channel.play(names, self.playback)

    async def _stop_playback(self) -> None:
        if self.playback is not None:
            playback, self.playback = self.playback, None
            await self.channel.stop_playback(playback)

    def _start_timer(self, cmd: c.StartTimer) -> None:
        self._cancel_timer()
        loop = asyncio.get_running_loop()
        self.timer = loop.call_later(cmd.seconds,
                                     lambda: self.feed(e.TimerFired(self.now(), cmd.token)))

    def _cancel_timer(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
