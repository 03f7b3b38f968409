"""Speech input for one call: the caller's voice through ExternalMedia to the recogniser.

On the first ``StartSpeech`` of a call the bridge binds an ``RtpReceiver``, asks
Asterisk for a snoop channel that hears what the caller says (``spy=in``) and for an
ExternalMedia channel sending slin16 RTP to the receiver, and joins those two in a
mixing bridge. The caller's own channel is never bridged: ARI runs one channel's
operations one after another, so adding it to a bridge while the welcome prompt plays
would wait for the prompt's end (no barge-in), and prompts, DTMF and the hand-off to
the dialplan keep working on it exactly as without speech.

Each utterance has its own ``RecognitionStream`` (``ivr.speech``). Its events become
flow events, fed to the runner in arrival order:

* energy (``VoiceActivity``) or vosk's first word → ``SpeechHeard``, once per utterance
  (barge-in: the session stops the prompt);
* ``Final`` → ``SpeechFinal(text, confidence)``;
* ``NoSpeech`` after the caller was heard → ``SpeechFinal("", 0)``; ``NoSpeech`` in
  silence only restarts listening, because the session's own timer handles a caller who
  says nothing, and a caller quietly listening to a long prompt must not be told
  « pardon, nous n'avons pas compris ».

After a result the next utterance's stream opens on the next audio packet, with the
phrase list of the latest ``StartSpeech`` (the session sends one with yes/no words
when it asks for a confirmation): what to expect is the session's decision, not ours.
``stop`` (``StopSpeech``, hang-up, rescue) tears everything down: bridge, channels,
receiver, stream.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Protocol

from ivr.flow import events as e
from ivr.speech import EventCallback, Final, NoSpeech, SpeechEvent, SpeechStarted, in_loop
from ivr.telephony.media import RtpReceiver, VoiceActivity

log = logging.getLogger(__name__)

SPEECH_ARG = "speech"  # StasisStart args of our legs: ignored by AriApplication._on_start
# Legs usually enter Stasis within a few ms; a loaded machine may take seconds.
JOIN_ATTEMPTS, JOIN_RETRY_SECONDS = 150, 0.02
LEG_PREFIX = "stt-"  # ids of our legs: not callers to resume after a reconnection
Phrases = tuple[str, ...] | None  # None: free speech
Feed = Callable[[e.Event], None]


# No audio at all for this long after the caller spoke: the utterance is over. Phones
# with silence suppression (and SIPp) send nothing during silence, so vosk would
# never hear the trailing silence its own end-of-speech detection waits for.
AUDIO_GAP_SECONDS = 0.8


class MediaRest(Protocol):
    """The ARI REST operations the bridge uses (a subset of ``AriClientController``)."""

    async def snoop_channel(self, channel_id: str, spy: Any = None, whisper: Any = None,
                            app_args: str | None = None, snoop_id: str | None = None) -> Any: ...
    async def create_external_media(self, external_host: str, format: str, *,
                                    channel_id: str | None = None,
                                    data: str | None = None) -> Any: ...
    async def create_bridge(self, type: str | None = None, bridge_id: str | None = None,
                            name: str | None = None) -> Any: ...
    async def bridge_add_channel(self, bridge_id: str, channel_id: str | list[str]) -> Any: ...
    async def stop_bridge(self, bridge_id: str) -> Any: ...
    async def stop_channel(self, channel_id: str) -> Any: ...


class Recognition(Protocol):
    """One utterance being recognised (``ivr.speech.RecognitionStream``)."""

    def feed(self, pcm: bytes) -> None: ...
    def finish(self) -> None: ...


class Recogniser(Protocol):
    """Opens recognition streams (``ivr.speech.SpeechEngine``)."""

    def open_stream(self, grammar: list[str] | None,
                    on_event: EventCallback) -> Recognition: ...


def _not_found(exc: Exception) -> bool:
    """ARI says a channel is gone (ari-client raises plain text with the status)."""
    return isinstance(exc, LookupError) or " 404 " in str(exc) or "not found" in str(exc)


def _not_joined_yet(exc: Exception) -> bool:
    """ARI refuses a leg that has not entered the application yet: 404, or 422 « Channel
    not in Stasis application » when it exists but is still on its way."""
    return _not_found(exc) or " 422 " in str(exc)


@dataclass
class _Legs:
    """What Asterisk holds for this call's speech input (ids we chose, so teardown
    knows them even when a creation failed halfway)."""

    snoop: str
    media: str
    bridge: str


@dataclass
class SpeechBridge:
    """``ivr.telephony.call.SpeechInput`` over ARI ExternalMedia for one caller channel."""

    rest: Callable[[], MediaRest]
    engine: Recogniser
    channel_id: str
    ports: range
    now: Callable[[], Any]
    host: str = "127.0.0.1"
    vad: VoiceActivity = field(default_factory=VoiceActivity)

    def __post_init__(self) -> None:
        self.legs: _Legs | None = None
        self.receiver: RtpReceiver | None = None
        self.stream: Recognition | None = None
        self.heard = False  # SpeechHeard already sent for the current utterance
        self.ending = False  # the current stream was told the utterance is over
        self._gap: asyncio.TimerHandle | None = None
        self.utterance = 0  # number of the current stream: late events of others are dropped
        self._phrases: Phrases = None
        self._feed: Feed | None = None

    @property
    def listening(self) -> bool:
        return self._feed is not None

    async def start(self, phrases: Phrases, feed: Feed) -> None:
        """Listen to the caller (media set up once) with ``phrases`` for the utterances
        from now on; failures leave the keypad working."""
        self._phrases, self._feed = phrases, feed
        if self.legs is not None:
            return
        try:
            await self._connect()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            # No speech for this call: the session's timer falls back to the keypad menu.
            if _not_found(exc):
                log.info("caller left during speech set-up", extra={"call": self.channel_id})
            elif isinstance(exc, LookupError):  # the caller left, or Asterisk was too slow
                log.warning("speech legs did not join: keypad only for this call",
                            extra={"call": self.channel_id, "reason": str(exc)})
            else:
                log.exception("speech input could not be set up",
                              extra={"call": self.channel_id})
            await self.stop()

    async def _connect(self) -> None:
        self.receiver = RtpReceiver(self._on_pcm, self.ports, self.host)
        await self.receiver.start()
        tag = uuid.uuid4().hex[:12]
        legs = self.legs = _Legs(*(f"{LEG_PREFIX}{leg}-{tag}"
                                   for leg in ("snoop", "media", "bridge")))
        rest = self.rest()
        await rest.create_bridge(type="mixing", bridge_id=legs.bridge)
        await rest.create_external_media(self.receiver.external_host, "slin16",
                                         channel_id=legs.media, data=SPEECH_ARG)
        await rest.snoop_channel(self.channel_id, spy="in", app_args=SPEECH_ARG,
                                 snoop_id=legs.snoop)
        for leg in (legs.snoop, legs.media):
            await self._join(rest, legs.bridge, leg)
        log.info("speech input up", extra={"call": self.channel_id, "port": self.receiver.port,
                                           "bridge": legs.bridge})

    async def _join(self, rest: MediaRest, bridge: str, leg: str) -> None:
        """Bridge one leg once it is in the application: ARI may answer its creation
        before it enters Stasis, and refuses it until then. One leg per request: in a
        JSON body ARI does not split "a,b" (ari-client joins lists that way)."""
        for _ in range(JOIN_ATTEMPTS):
            try:
                await rest.bridge_add_channel(bridge, leg)
                return
            except Exception as exc:
                if not _not_joined_yet(exc):
                    raise
            await asyncio.sleep(JOIN_RETRY_SECONDS)
        # a snoop leg dies with its caller: this is how a hang-up during set-up looks
        raise LookupError(f"speech leg {leg} never entered the application")

    async def stop(self) -> None:
        """Stop listening and release everything (idempotent, never raises)."""
        self._feed = None
        self._disarm_gap()
        stream, self.stream = self.stream, None
        if stream is not None:
            stream.finish()  # frees its recogniser; its result is ignored
        if self.receiver is not None:
            self.receiver.close()
            self.receiver = None
        legs, self.legs = self.legs, None
        if legs is not None:
            await self._release(legs)

    async def _release(self, legs: _Legs) -> None:
        rest = self.rest()
        for what, action in (("bridge", lambda: rest.stop_bridge(legs.bridge)),
                             ("snoop", lambda: rest.stop_channel(legs.snoop)),
                             ("media", lambda: rest.stop_channel(legs.media))):
            try:
                await action()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if not _not_found(exc):  # already gone with the caller: fine
                    log.warning("speech teardown: %s not released: %s", what, exc,
                                extra={"call": self.channel_id})
        log.info("speech input down", extra={"call": self.channel_id, "bridge": legs.bridge})

    # -- audio and recogniser events, on the event loop ------------------------------

    def _on_pcm(self, pcm: bytes) -> None:
        if not self.listening or self.ending:
            return  # while ending, wait for the stream's result before the next one
        if self.stream is None:
            self.stream = self._open()
        if self.vad.feed(pcm):
            self._speech_heard("energy")
        self.stream.feed(pcm)
        if self.heard:
            self._disarm_gap()
            self._gap = asyncio.get_running_loop().call_later(AUDIO_GAP_SECONDS,
                                                              self._audio_stopped)

    def _disarm_gap(self) -> None:
        if self._gap is not None:
            self._gap.cancel()
            self._gap = None

    def _audio_stopped(self) -> None:
        """The caller's audio stopped after speech: ask the recogniser for its result."""
        self._gap = None
        if self.stream is not None and not self.ending:
            log.info("caller audio stopped; utterance ended", extra={"call": self.channel_id})
            self.ending = True
            self.stream.finish()

    def _open(self) -> Recognition:
        self.utterance += 1
        self.heard = self.ending = False
        on_event = partial(self._on_speech, self.utterance)
        phrases = None if self._phrases is None else list(self._phrases)
        return self.engine.open_stream(phrases,
                                       in_loop(asyncio.get_running_loop(), on_event))

    def _on_speech(self, utterance: int, event: SpeechEvent) -> None:
        if utterance != self.utterance or self.stream is None or self._feed is None:
            return  # a stream ended by stop(), or an earlier utterance
        if isinstance(event, SpeechStarted):
            self._speech_heard("recogniser")
        elif isinstance(event, Final | NoSpeech):
            self.stream, self.ending = None, False
            self._disarm_gap()
            if isinstance(event, Final):
                self._result(event.text, event.confidence)
            elif self.heard:
                self._result("", 0.0)

    def _speech_heard(self, by: str) -> None:
        if not self.heard and self._feed is not None:
            self.heard = True
            log.info("barge-in", extra={"call": self.channel_id, "by": by})
            self._feed(e.SpeechHeard(self.now()))

    def _result(self, text: str, confidence: float) -> None:
        assert self._feed is not None
        log.info("speech result", extra={"call": self.channel_id, "chars": len(text),
                                         "confidence": confidence})
        self._feed(e.SpeechFinal(self.now(), text, confidence))
