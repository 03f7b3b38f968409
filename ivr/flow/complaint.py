"""A complaint or a suggestion left by phone: a small state machine with no I/O.

Steps::

    RECORD ──recorded──▶ FILING ──answered──▶ CALLBACK (the callback offer, reused)
                           │ Unavailable
                           ▼
                        Fallback (« nous vous mettons en relation… »)

The caller speaks after the beep; the recording (or its absence: « message vide »
when the caller said nothing or the recording failed) becomes a request of type
``reclamation`` or ``suggestion`` through the ``FileVoiceRequest`` question, which
the IVR process answers with the store (moving the WAV into the request's
attachments). The reference is read to the caller, then the callback dialogue
(``CallbackOffer``) promises the callback: a complaint is answered by a person.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import ClassVar, Literal

from ivr.domain.outcomes import ContactOutcome
from ivr.domain.phone_numbers import spoken_digits
from ivr.domain.prompt_texts import Prompt, Text
from ivr.flow import commands as c
from ivr.flow.callback_offer import CallbackOffer
from ivr.flow.dialogue import Fallback, Finish, Listen, Reply
from ivr.flow.queries import Query, Unavailable
from ivr.rules import Rules

VoiceKind = Literal["reclamation", "suggestion"]
EMPTY_SECONDS = 0.5  # less speech than this is an empty message
EMPTY_MESSAGE = "message vide"
RECORDING = Listen(max_seconds=180, silence_seconds=4)


@dataclass(frozen=True)
class FileVoiceRequest(Query):
    """Create a request of ``kind`` for this call from the recording ``recording``
    (None: nothing usable was said); the answer is a ``FiledRequest``."""

    kind: VoiceKind
    call_id: str
    caller: str | None
    recording: str | None
    seconds: float
    at: datetime


@dataclass(frozen=True)
class FiledRequest:
    """The request created: its reference, read to the caller."""

    reference: str


class Step(StrEnum):
    RECORD = "record"
    FILING = "filing"
    CALLBACK = "callback"


@dataclass
class VoiceRequestDialogue:
    """One phone complaint (``kind="reclamation"``) or suggestion, then the callback."""

    name: ClassVar[str] = "voice_request"
    rules: Rules
    call_id: str
    caller: str | None
    kind: VoiceKind
    target: str = "reclamations"
    step: Step = Step.RECORD
    callback: CallbackOffer | None = field(default=None, repr=False)

    def start(self, at: datetime) -> Reply:
        """Invite the caller to speak after the beep."""
        return Reply((Prompt(f"{self.kind}-record"),), record=RECORDING)

    def recorded(self, name: str | None, seconds: float, at: datetime) -> Reply:
        """File the request, with the recording when something was said."""
        if self.step != Step.RECORD:
            return Reply()
        self.step = Step.FILING
        usable = name if name is not None and seconds >= EMPTY_SECONDS else None
        event = c.ContactEvent(at, f"{self.kind}_recorded",
                               {"seconds": round(seconds, 1), "empty": usable is None})
        return Reply((Prompt("voice-request-filing"),), commands=(event,),
                     ask=FileVoiceRequest(self.kind, self.call_id, self.caller, usable, seconds,
                                          at))

    def answered(self, result: object, at: datetime) -> Reply:
        """Read the reference, then promise the callback."""
        if self.step != Step.FILING:
            return Reply()
        if isinstance(result, Unavailable) or not isinstance(result, FiledRequest):
            return Reply((Prompt("voice-request-unavailable"),),
                         commands=(c.ContactEvent(at, f"{self.kind}_not_filed", {}),),
                         end=Fallback("store_unavailable"))
        self.step = Step.CALLBACK
        self.callback = CallbackOffer(self.rules, self.target, self.caller)
        said = (Prompt(f"{self.kind}-filed"), Text(spoken_digits(result.reference)))
        filed = c.ContactEvent(at, f"{self.kind}_filed", {"reference": result.reference})
        return self._prefixed(self.callback.start(at), said, filed)

    def digit(self, digit: str, at: datetime) -> Reply:
        """Keys go to the callback offer once the request is filed."""
        return self._relay(self.callback.digit(digit, at)) if self.callback else Reply()

    def timeout(self, at: datetime) -> Reply:
        """Silences go to the callback offer once the request is filed."""
        return self._relay(self.callback.timeout(at)) if self.callback else Reply()

    def _prefixed(self, reply: Reply, said: tuple[Prompt | Text, ...],
                  event: c.ContactEvent) -> Reply:
        return self._relay(replace(reply, say=(*said, *reply.say),
                                   commands=(event, *reply.commands)))

    def _relay(self, reply: Reply) -> Reply:
        """The callback's step; declining the callback still ends politely: the request
        is filed and will be answered by the channel the town hall has."""
        if isinstance(reply.end, Fallback):
            return replace(reply, say=(*reply.say, Prompt("voice-request-no-callback")),
                           end=Finish(ContactOutcome.INFO, f"{self.kind}_filed"))
        return reply

