"""One alert call through ARI: originate, play the dialogue, report the result once.

The alert dialer has its own Stasis application (``<ari_app>-alerts``), like the
callback dialer, since ari-client keeps one handler per event type. In information
mode the answered call is sent on to the dialplan context ``townhall-alerts-amd``,
which runs ``AMD()`` and brings it back with ``amd,<AMDSTATUS>``.

Each call is one coroutine reading its channel's events from a queue, so the
dialogue's commands run in order and ``report`` (the store write) is awaited before
the goodbye: a 1 is committed while the citizen is still on the line.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from ivr.alerts.dialogue import (
    AlertCall,
    Command,
    HangUp,
    Outcome,
    PlayMessage,
    Say,
    StopPlaying,
    WaitForKey,
)
from ivr.alerts.policy import Result
from ivr.domain.phone_numbers import national_digits

log = logging.getLogger(__name__)

AMD_CONTEXT = "townhall-alerts-amd"
# Q.850 causes of a call that never reached Stasis: 17 busy, 18/19 no answer, 21 rejected;
# 16 (normal clearing) there means answered then hung up during AMD()
CAUSES = {16: Result.NO_KEY, 17: Result.BUSY, 18: Result.NO_ANSWER, 19: Result.NO_ANSWER,
          21: Result.REJECTED}
AMD_LIMIT = 10.0  # seconds: AMD() decides within 5 by default (amd.conf total_analysis_time)
Report = Callable[[Result], Awaitable[None]]


def result_for_cause(cause: int) -> Result:
    """What a hang-up before the answer means."""
    return CAUSES.get(cause, Result.FAILED)


@dataclass(frozen=True)
class CallRequest:
    """One dial: where, under which channel id, and how the dialogue behaves."""

    channel_id: str
    number: str
    detect_machine: bool
    leave_on_machine: bool
    message: tuple[str, ...]  # Asterisk media URIs (sound:…) played as the message


@dataclass(frozen=True)
class Answered:
    """The callee answered; ``verdict`` is ``AMD()``'s when it ran."""

    verdict: str | None


@dataclass
class _Call:
    """One call's running state: its playbacks are numbered, its key wait timed."""

    request: CallRequest
    report: Report
    playing: int = 0
    deadline: float | None = None


@dataclass(frozen=True)
class CallerConfig:
    endpoint_template: str = "PJSIP/{national}@citizen-trunk"
    ring_timeout: int = 30
    key_wait: float = 6.0
    call_limit: float = 300.0  # a call never holds a channel longer than this


class AriAlertCaller:
    """Places alert calls over an ``ivr.telephony.ari_link.AriLink``."""

    def __init__(self, link: Any, config: CallerConfig, sound_for: Callable[[str], str]) -> None:
        self.link, self.config, self.sound_for = link, config, sound_for
        self._events: dict[str, asyncio.Queue[dict[str, Any]]] = {}
        link.handlers.update({kind: self._route for kind in (
            "StasisStart", "StasisEnd", "ChannelDestroyed", "ChannelDtmfReceived",
            "PlaybackFinished")})

    async def call(self, request: CallRequest, report: Report) -> None:
        """Dial, run the dialogue, and ``report`` exactly one result."""
        events = self._events[request.channel_id] = asyncio.Queue()
        reported = False

        async def once(result: Result) -> None:
            nonlocal reported
            if not reported:
                reported = True
                await report(result)

        try:
            await asyncio.wait_for(self._run(request, events, once), self.config.call_limit)
        except Exception:
            log.exception("alert call failed", extra={"channel": request.channel_id})
            await self._hang_up(request.channel_id)
        finally:
            self._events.pop(request.channel_id, None)
            await once(Result.FAILED)

    async def _run(self, request: CallRequest, events: asyncio.Queue[dict[str, Any]],
                   report: Report) -> None:
        await self._originate(request)
        answer = await self._answer(request, events)
        dialogue = AlertCall(leave_on_machine=request.leave_on_machine,
                             key_wait=self.config.key_wait)
        if isinstance(answer, Result):
            dialogue, commands = dialogue.not_answered(answer)
        else:
            log.info("alert call answered", extra={"channel": request.channel_id,
                                                   "amd": answer.verdict or "-"})
            dialogue, commands = dialogue.answered(answer.verdict)
        call = _Call(request, report)
        await self._execute(call, commands)
        while dialogue.phase != "done":
            event = await _next(events, call.deadline)
            if event is None:
                dialogue, commands = dialogue.silence()
            else:
                step = self._step(dialogue, event, call)
                if step is None:
                    continue
                dialogue, commands = step
            await self._execute(call, commands)

    async def _answer(self, request: CallRequest,
                      events: asyncio.Queue[dict[str, Any]]) -> Answered | Result:
        """Wait for the answer (and ``AMD()``'s verdict in information mode), or return
        the result of a call that never got through."""
        amd_until: float | None = None
        while True:
            event = await _next(events, amd_until)
            if event is None:  # answered, then gone while AMD() listened
                return Result.NO_KEY
            args = event.get("args") or []
            if event["type"] == "ChannelDestroyed":
                if amd_until is not None:
                    return Result.NO_KEY
                cause = int(event.get("cause", 0))
                if cause not in CAUSES:  # the trunk or Asterisk itself refused the call
                    log.warning("alert call failed before the answer", extra={
                        "channel": request.channel_id, "cause": cause,
                        "cause_txt": event.get("cause_txt", "")})
                return result_for_cause(cause)
            if event["type"] != "StasisStart":
                continue
            if args[:1] == ["amd"]:
                return Answered(args[1] if len(args) > 1 else "NOTSURE")
            if not request.detect_machine:
                return Answered(None)
            # AMD() is a dialplan application: the call leaves us for it, then comes back
            await self.link.request("POST", f"channels/{request.channel_id}/continue", [
                ("context", AMD_CONTEXT), ("extension", "s"), ("priority", "1")])
            amd_until = asyncio.get_running_loop().time() + AMD_LIMIT

    async def _execute(self, call: _Call, commands: list[Command]) -> None:
        call.deadline = None
        channel_id = call.request.channel_id
        for command in commands:
            match command:
                case Outcome(result=result):
                    await call.report(result)
                case PlayMessage():
                    call.playing += 1
                    await self._play(channel_id, call.playing, call.request.message)
                case Say(text=text):
                    call.playing += 1
                    sound = await asyncio.to_thread(self.sound_for, text)
                    await self._play(channel_id, call.playing, (f"sound:{sound}",))
                case StopPlaying():
                    await self._stop_playback(f"{channel_id}-p{call.playing}")
                case WaitForKey(seconds=seconds):
                    call.deadline = asyncio.get_running_loop().time() + seconds
                case HangUp():
                    await self._hang_up(channel_id)

    def _step(self, dialogue: AlertCall, event: dict[str, Any],
              call: _Call) -> tuple[AlertCall, list[Command]] | None:
        kind = event["type"]
        if kind in ("ChannelDestroyed", "StasisEnd"):
            return dialogue.hung_up()
        if kind == "ChannelDtmfReceived":
            return dialogue.key(str(event.get("digit", "")))
        if kind == "PlaybackFinished" and event["playback"]["id"] == (
                f"{call.request.channel_id}-p{call.playing}"):
            return dialogue.played()
        return None

    async def hang_up_orphans(self) -> int:
        """Hang up the calls a previous run of this dialer left in the application (it
        died mid-call: nobody plays their dialogue any more); their recipients are
        released and dialled again."""
        details = await self.link.request("GET", f"applications/{self.link.app}")
        orphans = [c for c in (details or {}).get("channel_ids", [])
                   if c not in self._events]
        for channel_id in orphans:
            await self._hang_up(channel_id)
        return len(orphans)

    async def _originate(self, request: CallRequest) -> None:
        """``POST /channels`` over the event websocket (no HTTP connection to lose under
        hundreds of originates a second), into this application once answered."""
        endpoint = self.config.endpoint_template.format(
            number=request.number, national=national_digits(request.number))
        await self.link.request("POST", "channels", [
            ("endpoint", endpoint), ("channelId", request.channel_id), ("app", self.link.app),
            ("appArgs", "alert"), ("timeout", str(self.config.ring_timeout))])

    async def _play(self, channel_id: str, index: int, media: tuple[str, ...]) -> None:
        params = [("media", m) for m in media] + [("lang", "fr")]
        await self.link.request("POST", f"channels/{channel_id}/play/{channel_id}-p{index}",
                                params)

    async def _stop_playback(self, playback_id: str) -> None:
        with contextlib.suppress(Exception):  # already finished
            await self.link.request("DELETE", f"playbacks/{playback_id}")

    async def _hang_up(self, channel_id: str) -> None:
        with contextlib.suppress(Exception):  # already gone is the expected case
            await self.link.request("DELETE", f"channels/{channel_id}")

    def _route(self, event: dict[str, Any]) -> None:
        channel = (event.get("channel") or {}).get("id")
        if channel is None and "playback" in event:
            channel = event["playback"]["id"].rsplit("-p", 1)[0]
        queue = self._events.get(channel or "")
        if queue is not None:
            queue.put_nowait(event)


async def _next(events: asyncio.Queue[dict[str, Any]],
                deadline: float | None) -> dict[str, Any] | None:
    """The next event, or None once ``deadline`` (loop time) passes."""
    if deadline is None:
        return await events.get()
    try:
        return await asyncio.wait_for(events.get(),
                                      max(0.0, deadline - asyncio.get_running_loop().time()))
    except TimeoutError:
        return None
