"""Commands a call session asks the telephony adapter to carry out.

They describe *what* should happen; ``ivr.telephony.ari`` decides *how* (REST calls,
timers, ExternalMedia, the store writer).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from datetime import datetime
from typing import Any, Literal

from ivr.domain.outcomes import ContactOutcome
from ivr.domain.prompt_texts import Prompt, Recording, Text
from ivr.flow.queries import Query

PromptItem = Prompt | Text | Recording
RoutedBy = Literal["dtmf", "speech", "default", "closed"]


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
    """Stream the caller's audio to the recogniser, for utterances from now on:
    ``phrases`` is the phrase list the session expects (None: free speech). Sent again
    when the session expects something else (a yes or a no to confirm)."""

    phrases: tuple[str, ...] | None = None


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


# -- facts for the request store (``ivr.store.writer``), one type per writer operation --


@dataclass(frozen=True)
class StartContact:
    """The call's contact begins (or, for a resumed call, is recorded again)."""

    at: datetime
    caller: str | None
    called: str | None
    ref: str | None = None


@dataclass(frozen=True)
class ContactEvent:
    """One step of the contact's history (``dtmf``, ``route``, ``speech``…)."""

    at: datetime
    kind: str
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class ContactFields:
    """Contact columns to set; a field left at None is not written."""

    target: str | None = None
    routed_by: RoutedBy | None = None
    menu_path: str | None = None
    transcript: str | None = None
    intent_confidence: float | None = None
    queue: str | None = None
    answered_at: datetime | None = None
    wait_seconds: float | None = None
    talk_seconds: float | None = None
    agent: str | None = None
    hangup_stage: str | None = None
    request_ref: str | None = None  # the request the call consulted or created

    def fields(self) -> dict[str, Any]:
        """The columns to write (the outcome among them), for the writer's ``**fields``."""
        values = ((f.name, getattr(self, f.name)) for f in dataclass_fields(self))
        return {name: value for name, value in values if value is not None and name != "at"}


@dataclass(frozen=True, kw_only=True)
class UpdateContact(ContactFields):
    """Set contact fields while the call goes on."""

    at: datetime
    outcome: ContactOutcome | None = None


@dataclass(frozen=True, kw_only=True)
class FinishContact(ContactFields):
    """The contact ends, with its outcome."""

    at: datetime
    outcome: ContactOutcome


@dataclass(frozen=True, kw_only=True)
class CloseContact(ContactFields):
    """End the contact with this outcome unless it already has one: the channel's hang-up
    seen from the dialplan, which may come before or after the facts that say more."""

    at: datetime
    outcome: ContactOutcome


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
    (``principal/demarches``: the main menu first, the current one last); ``survey``
    (``phone``) sends the caller back for the satisfaction survey when the agent hangs up."""

    name: Literal["target", "menu", "survey"]
    value: str


@dataclass(frozen=True)
class Ask:
    """Ask a question outside the call for the current dialogue (``ivr.flow.queries``);
    ``Answered(token)`` follows, with the answer or ``Unavailable``."""

    query: Query
    token: int


@dataclass(frozen=True)
class RecordVoice:
    """Record what the caller says (after a beep) until silence, ``#`` or the limit;
    ``VoiceRecorded(token)`` follows. The recording is named after the call and the
    token (``<call id>_<token>``), where the adapter can find it again."""

    token: int
    max_seconds: int
    silence_seconds: int


StoreCommand = (StartContact | ContactEvent | UpdateContact | FinishContact | CloseContact
                | RequestCallback)
"""A fact for the request store; the adapter adds the call id."""

Command = (
    Answer | Play | StopPlayback | StartTimer | CancelTimer | StartSpeech | StopSpeech
    | ToQueue | ToVoicemail | Hangup | Remember | Ask | RecordVoice | StoreCommand
)
