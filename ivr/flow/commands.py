"""Commands a call session asks the telephony adapter to carry out.

They describe *what* should happen; ``ivr.telephony.ari`` decides *how* (REST calls,
timers, ExternalMedia, the store writer).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from ivr.domain.prompt_texts import Prompt, Text

PromptItem = Prompt | Text


@dataclass(frozen=True)
class Answer:
    """Answer the channel."""


@dataclass(frozen=True)
class Play:
    """Play prompts in order; ``PlaybackDone(token)`` follows. DTMF always interrupts."""

    items: tuple[PromptItem, ...]
    token: int


@dataclass(frozen=True)
class StopPlayback:
    """Stop the current prompt (barge-in)."""


@dataclass(frozen=True)
class StartTimer:
    """Start (or restart) the one input timer of the call."""

    seconds: float
    token: int


@dataclass(frozen=True)
class CancelTimer:
    """Cancel the input timer."""


@dataclass(frozen=True)
class StartSpeech:
    """Stream the caller's audio to the recogniser (optionally with a phrase list)."""

    grammar: tuple[str, ...] | None = None


@dataclass(frozen=True)
class StopSpeech:
    """Stop streaming audio to the recogniser."""


@dataclass(frozen=True)
class ToQueue:
    """Hand the call to the department queue in the dialplan; the app's part ends."""

    target: str


@dataclass(frozen=True)
class ToVoicemail:
    """Hand the call to the department's voicemail in the dialplan."""

    target: str


@dataclass(frozen=True)
class Hangup:
    """Hang up the call (after a goodbye)."""

    reason: str


@dataclass(frozen=True)
class RequestCallback:
    """Record a promised callback for this call's contact (durably, through the writer)."""

    at: datetime
    target: str
    number: str  # E.164, already validated
    due_at: datetime
    promised_before: datetime
    max_attempts: int


@dataclass(frozen=True)
class Remember:
    """Keep where the call is on the call itself (in Asterisk), so that an application
    restarted meanwhile goes on from there instead of asking the caller again:
    ``target`` is the department it is being put through to, ``menu`` the menus it is in
    (``principal/demarches``: the main menu first, the current one last)."""

    name: Literal["target", "menu"]
    value: str


@dataclass(frozen=True)
class Record:
    """A fact for the request store: ``op`` is a ``StoreWriter`` method name."""

    op: str
    at: datetime
    fields: dict[str, Any] = field(default_factory=dict)


Command = (
    Answer | Play | StopPlayback | StartTimer | CancelTimer | StartSpeech | StopSpeech
    | ToQueue | ToVoicemail | Hangup | Record | RequestCallback | Remember
)
