"""Events fed to a call session by the telephony adapter (or by a test).

Each event carries the instant it happened, so the session never reads a clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class CallStarted:
    """A citizen's call entered the application."""

    at: datetime
    caller: str | None
    called: str | None
    ref: str | None = None
    # set when a caller waiting in <target>'s queue pressed the callback key
    callback_for: str | None = None
    # set when the caller comes back from <target>'s queue for the satisfaction survey
    survey_after: str | None = None
    # this caller is asked at the start whether they will give their opinion at the end
    survey_offer: bool = False


@dataclass(frozen=True)
class CallResumed:
    """A call found in the application after a restart or a lost link: its session
    is gone, so it is put through to ``target``, or goes on in the last of ``menus``
    (the menus it was in, ``c.Remember``), else restarts at the main menu.

    What Asterisk still knows of the call comes with it, so that a call the previous
    process took but never answered, or never recorded, is answered and recorded now.
    """

    at: datetime
    started_at: datetime | None = None
    caller: str | None = None
    called: str | None = None
    ref: str | None = None
    answered: bool = True
    target: str | None = None  # the department it was being put through to (Remember)
    menus: tuple[str, ...] = ()  # the main menu … the menu it was in (Remember)


@dataclass(frozen=True)
class Dtmf:
    """One keypad digit (``0-9``, ``*``, ``#``)."""

    at: datetime
    digit: str


@dataclass(frozen=True)
class PlaybackDone:
    """The prompt list started by ``Play(token=...)`` finished or was stopped."""

    at: datetime
    token: int


@dataclass(frozen=True)
class TimerFired:
    """The timer started by ``StartTimer(token=...)`` expired."""

    at: datetime
    token: int


@dataclass(frozen=True)
class SpeechHeard:
    """The caller started speaking (barge-in)."""

    at: datetime


@dataclass(frozen=True)
class SpeechFinal:
    """The recogniser's final transcript of one utterance ('' when nothing usable)."""

    at: datetime
    text: str
    confidence: float = 1.0


@dataclass(frozen=True)
class HungUp:
    """The caller hung up (or the channel was lost) while in the application."""

    at: datetime


@dataclass(frozen=True)
class Answered:
    """The answer to ``Ask(token=...)``: the query's result, or ``Unavailable``."""

    at: datetime
    token: int
    result: object


@dataclass(frozen=True)
class VoiceRecorded:
    """The recording started by ``RecordVoice(token=...)`` ended: ``name`` is the
    recording's (None when it failed), ``seconds`` how long the caller spoke."""

    at: datetime
    token: int
    name: str | None
    seconds: float


Event = (CallStarted | CallResumed | Dtmf | PlaybackDone | TimerFired | SpeechHeard | SpeechFinal
         | HungUp | Answered | VoiceRecorded)
