"""The ARI adapter: the only module that speaks to Asterisk's REST interface and events.

It keeps one websocket to Asterisk, reconnecting with backoff when Asterisk restarts
or the connection drops, turns ARI events into ``ivr.flow`` events for the right
call, and recovers the calls that stayed in the application while it was away
(Asterisk keeps channels in Stasis when the websocket drops and sends no new
StasisStart on reconnect).

Why ``ari-client`` rather than ``ari-py``: ari-py is Python 2 only (``import ari``
fails on Python 3 with ``No module named 'client'``); ari-client is asyncio-native
(httpx + websockets) and works with Asterisk 22. Only ``ivr.telephony`` imports it,
and only for REST: ``ivr.telephony.ari_link`` reads the events itself (see why there).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from ari_client.controller import AriClientController

from ivr.domain.outcomes import ContactOutcome
from ivr.flow import events as e
from ivr.flow.session import CallSession
from ivr.telephony.ari_link import AriLink, AriRestError, Params
from ivr.telephony.call import (
    Answers,
    CallRunner,
    Recorder,
    SoundResolver,
    SpeechInput,
    unanswered,
)
from ivr.telephony.dtmf_echo import DtmfEchoFilter
from ivr.telephony.speech_bridge import LEG_PREFIX

log = logging.getLogger(__name__)

SessionFactory = Callable[[str], CallSession]
ClaimDelay = Callable[[], float]  # seconds before claiming a broadcast call
# (channel id, pid of the process that left it) -> whether this process takes it over
TakeOrphan = Callable[[str, int], bool]
RESUME = "resume"  # Stasis argument of a call moved here from a dead process's application
# (current REST controller, caller channel id) -> that call's speech input, None: keypad only
SpeechFactory = Callable[[Callable[[], AriClientController], str], SpeechInput | None]
NotePlayback = Callable[[str, str], None]  # (channel id, playback id) about to play


Request = Callable[..., Awaitable[Any]]  # ``AriLink.request``
Submit = Callable[..., Awaitable["asyncio.Future[Any]"]]  # ``AriLink.submit``
# Channel variables read back when a call is resumed: the simulator's ref (set by the
# dialplan), then what ``c.Remember`` kept: the department the call was being put
# through to and the menus it was in.
REF_VARIABLE = "TOWNHALL_REF"
KEPT_VARIABLES = {"target": "TOWNHALL_TARGET", "menu": "TOWNHALL_MENU"}
# and the caller's consent to the survey, read by the dialplan after the queue
CHANNEL_VARIABLES = {**KEPT_VARIABLES, "survey": "TOWNHALL_SURVEY"}


def resumed_event(channel: dict[str, Any], ref: str | None, now: datetime,
                  real_now: datetime, target: str | None = None,
                  menus: str | None = None) -> e.CallResumed:
    """A ``CallResumed`` from ARI's channel details.

    The start is the channel's age taken back from ``now``, so it is on the
    application's clock (``TOWNHALL_CLOCK`` may shift it) rather than Asterisk's.
    """
    created = datetime.strptime(channel["creationtime"], "%Y-%m-%dT%H:%M:%S.%f%z")
    return e.CallResumed(now, started_at=now - max(real_now - created, timedelta(0)),
                         caller=channel.get("caller", {}).get("number") or None,
                         called=channel.get("dialplan", {}).get("exten") or None,
                         ref=ref or None, answered=channel.get("state") == "Up",
                         target=target, menus=tuple(menus.split("/")) if menus else ())


class AriChannel:
    """``ivr.telephony.call.Channel`` over ARI REST (on the event websocket) for one channel."""

    def __init__(self, request: Request, channel_id: str,
                 on_play: NotePlayback = lambda _call, _playback: None,
                 submit: Submit | None = None) -> None:
        """``on_play``: told of each playback before Asterisk is asked for it;
        ``submit``: ``AriLink.submit``, to answer without waiting (None: wait)."""
        self.request, self.id, self.on_play = request, channel_id, on_play
        self.submit = submit

    async def _call(self, method: str, uri: str, params: Params | None = None) -> bool:
        """Run one REST request; False when the channel (or playback) is already gone:
        404, or 409 « Channel not in Stasis application » (the caller hung up and the
        channel is leaving the application under the request)."""
        try:
            await self.request(method, uri, params)
        except AriRestError as exc:
            if exc.status_code != 404 and not (
                    exc.status_code == 409 and "not in Stasis" in str(exc)):
                raise
            log.debug("channel already gone", extra={"call": self.id})
            return False
        return True

    async def answer(self) -> None:
        """Answer without waiting for Asterisk's reply to come back: the welcome's
        request, sent next on the same websocket, runs right after the answer, however
        busy this process's event loop is (the caller hears the town hall at once)."""
        if self.submit is None:
            await self._call("POST", f"channels/{self.id}/answer")
            return
        outcome = await self.submit("POST", f"channels/{self.id}/answer")
        outcome.add_done_callback(self._answered)

    def _answered(self, outcome: asyncio.Future[Any]) -> None:
        """The answer's reply: a caller gone meanwhile is no error (as ``_call``)."""
        exc = None if outcome.cancelled() else outcome.exception()
        if exc is None or (isinstance(exc, AriRestError) and exc.status_code in (404, 409)):
            return
        log.warning("answer refused: %s", exc, extra={"call": self.id})

    async def play(self, sounds: list[str], playback_id: str) -> None:
        """Play sound names in order (a ``recording:…`` media as it is)."""
        media = [("media", name if name.startswith("recording:") else f"sound:{name}")
                 for name in sounds]
        self.on_play(self.id, playback_id)
        await self._call("POST", f"channels/{self.id}/play/{playback_id}",
                         [*media, ("lang", "fr")])

    async def stop_playback(self, playback_id: str) -> None:
        await self._call("DELETE", f"playbacks/{playback_id}")

    async def continue_in_dialplan(self, context: str, extension: str) -> bool:
        return await self._call("POST", f"channels/{self.id}/continue", [
            ("context", context), ("extension", extension), ("priority", "1")])

    async def hangup(self) -> None:
        await self._call("DELETE", f"channels/{self.id}")

    async def record(self, name: str, max_seconds: int, silence_seconds: int) -> None:
        """Record to ``<spool>/recording/<name>.wav`` after a beep; ``#`` ends it."""
        await self._call("POST", f"channels/{self.id}/record", [
            ("name", name), ("format", "wav"), ("maxDurationSeconds", str(max_seconds)),
            ("maxSilenceSeconds", str(silence_seconds)), ("ifExists", "overwrite"),
            ("beep", "true"), ("terminateOn", "#")])

    async def remember(self, name: str, value: str) -> None:
        """On the event websocket like every request, awaited between the stop of a
        prompt and the next one (``c.Remember`` always follows a ``c.StopPlayback``):
        Asterisk sets a variable only once the channel's current command is over and
        replies then, so sent behind a playback it held every call of the websocket for
        the whole prompt (500 calls: 183 met the fallback), and over HTTP it held one of
        Asterisk's 100 HTTP sessions each, for the 5-s announcement, and cost the IVR
        ~1 ms of CPU per call in httpx. Failing only loses the shortcut after a restart."""
        try:
            await self._call("POST", f"channels/{self.id}/variable",
                             [("variable", CHANNEL_VARIABLES[name]), ("value", value)])
        except Exception as exc:
            log.warning("%s not kept on the channel: %s", name, exc, extra={"call": self.id})


class AriApplication:
    """The Stasis application: one ``AriLink``, one ``CallRunner`` per live call."""

    def __init__(self, host: str, port: int, user: str, password: str, app: str, *,
                 sessions: SessionFactory, recorder: Recorder, sounds: SoundResolver,
                 now: Callable[[], Any], speech: SpeechFactory | None = None,
                 answers: Answers = unanswered,
                 on_ready: Callable[[], None] | None = None,
                 on_down: Callable[[], None] | None = None,
                 claim_delay: ClaimDelay = lambda: 0.0,
                 take_orphan: TakeOrphan = lambda _channel, _pid: True,
                 release_orphan: Callable[[str, int], None] = lambda _channel, _pid: None,
                 note_playback: NotePlayback = lambda _call, _playback: None,
                 predecessor: int = 0) -> None:
        self.speech, self.on_ready, self.answers = speech, on_ready, answers
        self.claim_delay, self.take_orphan = claim_delay, take_orphan
        self.release_orphan, self.note_playback = release_orphan, note_playback
        # calls moved here from a stopped process whose runner has not begun yet: one
        # that hangs up on the way is ended here, since no StasisEnd of ours tells it
        self.arriving: set[str] = set()
        self.predecessor = predecessor  # pid of the process that ran this application before
        self._tasks: set[asyncio.Task[None]] = set()  # claims and takeovers in flight
        self.sessions, self.recorder, self.sounds, self.now = sessions, recorder, sounds, now
        self.runners: dict[str, CallRunner] = {}
        self.dtmf_echoes = DtmfEchoFilter()
        self.link = AriLink(host, port, user, password, app, on_connect=self._recover,
                            on_disconnect=on_down)
        self.link.handlers.update({
            "CallBroadcast": self._on_broadcast,
            "StasisStart": self._on_start, "StasisEnd": self._on_end,
            "ChannelDtmfReceived": self._on_dtmf, "PlaybackFinished": self._on_playback,
            "RecordingFinished": self._on_recording, "RecordingFailed": self._on_recording,
            "ChannelDestroyed": self._on_destroyed,
        })

    @property
    def connected(self) -> asyncio.Event:
        return self.link.connected

    async def run_forever(self) -> None:
        """Serve calls; the link reconnects by itself when Asterisk restarts."""
        await self.link.run_forever()

    async def _recover(self) -> None:
        """Take back the calls left in the application while the link was down."""
        # Asked on the websocket: every StasisStart sent before this answer is already
        # dispatched, so a call is either in ``runners`` or an orphan, never both.
        details = await self.link.request("GET", f"applications/{self.link.app}")
        orphans = [cid for cid in details["channel_ids"]
                   if cid not in self.runners and not cid.startswith(LEG_PREFIX)]
        for channel_id in orphans:
            if not self.take_orphan(channel_id, self.predecessor):
                continue  # a peer took it over while this process was away
            resumed = await self._resumed(channel_id)
            if resumed is None or channel_id in self.runners:
                continue  # gone meanwhile
            log.info("resuming a call left in the application",
                     extra={"call": channel_id, "answered": resumed.answered})
            self._begin(channel_id, resumed)
        if self.on_ready is not None:
            self.on_ready()

    def playbacks(self) -> dict[str, str]:
        """Each call in progress with its current playback id ("" when none)."""
        return {call: runner.playback or "" for call, runner in self.runners.items()}

    async def take_over(self, app: str, generation: int, playbacks: Mapping[str, str]) -> int:
        """Move the calls left in ``app`` (its process, pid ``generation``, is not
        ready) into this application, where each resumes; the number moved. The prompt
        a call was hearing is stopped first: Asterisk would move it only after."""
        try:
            details = await self.link.request("GET", f"applications/{app}")
        except AriRestError as exc:
            if exc.status_code == 404:
                return 0  # Asterisk forgot the application: no call was left in it
            raise
        moved = 0
        for channel_id in details.get("channel_ids") or []:
            if channel_id.startswith(LEG_PREFIX):
                continue
            if channel_id in self.arriving:
                # moved by this process, not arrived: a prompt asked for just before the
                # kill may have started after its stop; stop it again (gone: no error)
                if playbacks.get(channel_id):
                    await self._stop(playbacks[channel_id])
                continue
            if not self.take_orphan(channel_id, generation):
                continue
            if await self._move_here(app, channel_id, generation, playbacks.get(channel_id)):
                moved += 1
        return moved

    async def _move_here(self, app: str, channel_id: str, generation: int,
                         playback: str | None) -> bool:
        """Move one orphaned call into this application (False: it hung up already).
        This application hears of the channel from now on: it ends the contact of a
        caller who hangs up before the move is done."""
        self.arriving.add(channel_id)
        try:
            await self.link.request("POST", f"applications/{self.link.app}/subscription",
                                    [("eventSource", f"channel:{channel_id}")])
            if playback:
                await self._stop(playback)
            await self.link.request("POST", f"channels/{channel_id}/move",
                                    [("app", self.link.app), ("appArgs", RESUME)])
        except (AriRestError, ConnectionError) as exc:
            if isinstance(exc, AriRestError) and exc.status_code == 404:
                self._lost_on_the_way(channel_id)  # hung up meanwhile
                return False
            self.arriving.discard(channel_id)
            if isinstance(exc, AriRestError) and exc.status_code == 409:
                return False  # left the application meanwhile (to a department)
            self.release_orphan(channel_id, generation)  # tried again at the next look
            raise
        log.info("taking over a call left by a stopped IVR process",
                 extra={"call": channel_id, "from": app, "stopped_playback": bool(playback)})
        return True

    def _lost_on_the_way(self, channel_id: str) -> None:
        """A caller who hung up while being taken over: the contact ends here, unless
        the stopped process already ended it."""
        if channel_id in self.arriving:
            self.arriving.discard(channel_id)
            log.info("a call taken over hung up before resuming", extra={"call": channel_id})
            self.recorder.close_contact(channel_id, self.now(), ContactOutcome.ABANDONED_MENU,
                                        hangup_stage="takeover")

    async def _stop(self, playback: str) -> None:
        """Stop a playback (gone already: fine)."""
        try:
            await self.link.request("DELETE", f"playbacks/{playback}")
        except AriRestError as exc:
            if exc.status_code != 404:
                raise

    def _on_broadcast(self, event: dict[str, Any]) -> None:
        """A new call offered to every IVR process: claim it, at once or a little later
        when this process holds more calls than a peer (``ivr.stack.peers``)."""
        self._spawn(self._claim(event["channel"]["id"], self.claim_delay()))

    async def _claim(self, channel_id: str, delay: float) -> None:
        if delay > 0:
            await asyncio.sleep(delay)
        try:
            await self.link.request("POST", "events/claim", [
                ("channelId", channel_id), ("application", self.link.app)])
        except AriRestError as exc:
            if exc.status_code not in (404, 409):  # 409: a peer won; 404: over already
                log.warning("claim refused: %s", exc, extra={"call": channel_id})
        except ConnectionError as exc:
            log.warning("claim not sent: %s", exc, extra={"call": channel_id})

    async def _take_moved(self, channel_id: str) -> None:
        """A call moved here from a stopped process: resume it from what Asterisk kept."""
        try:
            resumed = await self._resumed(channel_id)
        except (AriRestError, ConnectionError) as exc:
            log.warning("moved call not resumed: %s", exc, extra={"call": channel_id})
            return
        if channel_id not in self.arriving:
            return  # ended on the way (``_lost_on_the_way``), or resumed already
        if resumed is None:
            self._lost_on_the_way(channel_id)
            return
        self.arriving.discard(channel_id)
        if channel_id not in self.runners:
            log.info("resuming a call taken over", extra={"call": channel_id})
            self._begin(channel_id, resumed)

    def _spawn(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _resumed(self, channel_id: str) -> e.CallResumed | None:
        """What Asterisk still knows of a call left in the application (None: gone)."""
        try:
            channel = await self.link.request("GET", f"channels/{channel_id}")
        except AriRestError as exc:
            if exc.status_code == 404:
                return None
            raise
        ref, target, menus = [await self._variable(channel_id, name)
                              for name in (REF_VARIABLE, *KEPT_VARIABLES.values())]
        return resumed_event(channel, ref, self.now(), datetime.now(UTC), target, menus)

    async def _variable(self, channel_id: str, name: str) -> str | None:
        """A channel variable's value (None when unset or empty)."""
        try:
            found = await self.link.request("GET", f"channels/{channel_id}/variable",
                                            [("variable", name)])
        except AriRestError as exc:
            if exc.status_code != 404:
                raise
            return None
        return (found or {}).get("value") or None

    def _rest(self) -> AriClientController:
        """The live REST controller (replaced on each reconnection)."""
        return self.link.rest

    def _begin(self, channel_id: str, started: e.CallStarted | e.CallResumed) -> None:
        speech = self.speech(self._rest, channel_id) if self.speech else None
        channel = AriChannel(self.link.request, channel_id, self.note_playback,
                             self.link.submit)
        runner = CallRunner(self.sessions(channel_id), channel, self.recorder, self.sounds,
                            self.now, speech, self.answers)
        runner.task.add_done_callback(lambda _t: self.runners.pop(channel_id, None))
        self.runners[channel_id] = runner
        runner.feed(started)

    # -- event handlers: synchronous, so each call's events keep their order ----------

    def _on_start(self, event: dict[str, Any]) -> None:
        args = event.get("args") or []
        if args[:1] == [RESUME]:
            self._spawn(self._take_moved(event["channel"]["id"]))
            return
        if not args or args[0] not in ("inbound", "callback-offer", "survey"):
            return  # ExternalMedia and originated legs are handled by their owners
        ch = event["channel"]
        second = args[1] if len(args) > 1 and args[1] else None
        # "callback-offer,<queue>": the caller pressed the callback key while queued;
        # "survey,<queue>": the agent hung up, the caller answers the satisfaction survey;
        # "inbound,<ref>,survey": this caller is asked to give their opinion at the end
        ref = second if args[0] == "inbound" else None
        self._begin(ch["id"], e.CallStarted(
            self.now(), ch["caller"].get("number") or None, ch["dialplan"].get("exten") or None,
            ref, second if args[0] == "callback-offer" else None,
            second if args[0] == "survey" else None,
            args[0] == "inbound" and len(args) > 2 and args[2] == "survey"))

    def _on_end(self, event: dict[str, Any]) -> None:
        channel_id = event["channel"]["id"]
        self.dtmf_echoes.forget(channel_id)
        runner = self.runners.get(channel_id)
        if runner is not None:
            runner.feed(e.HungUp(self.now()))
        else:
            self._lost_on_the_way(channel_id)

    def _on_destroyed(self, event: dict[str, Any]) -> None:
        """A channel hung up: only a call on its way here from a stopped process is ours
        to end (its StasisEnd went to the stopped process's application)."""
        self._lost_on_the_way(event["channel"]["id"])

    def _on_dtmf(self, event: dict[str, Any]) -> None:
        channel_id = event["channel"]["id"]
        runner = self.runners.get(channel_id)
        if runner is None:
            return
        if self.dtmf_echoes.is_echo(channel_id, event):
            # not the digit: the caller may be keying a secret (a birth date)
            log.debug("Asterisk's second publication of a deferred DTMF digit dropped",
                      extra={"call": channel_id, "duration_ms": event.get("duration_ms"),
                             "asterisk_time": event.get("timestamp")})
            return
        runner.feed(e.Dtmf(self.now(), event["digit"]))

    def _on_playback(self, event: dict[str, Any]) -> None:
        playback = event["playback"]
        runner = self.runners.get(playback["target_uri"].removeprefix("channel:"))
        if runner is not None:
            runner.playback_finished(playback["id"])

    def _on_recording(self, event: dict[str, Any]) -> None:
        recording = event["recording"]
        runner = self.runners.get(recording.get("target_uri", "").removeprefix("channel:"))
        if runner is not None:
            seconds = float(recording.get("talking_duration") or recording.get("duration") or 0)
            runner.recording_finished(recording["name"], seconds,
                                      event["type"] == "RecordingFinished")
