"""The contract between a call session and a dialogue held inside the call.

A dialogue (the callback offer, a request's status, a document request, a booking…)
is a small state machine with no I/O, like ``ivr.flow.callback_offer``: the session
hands it the caller's keys and silences and the answers to its questions, and carries
out each ``Reply`` — prompts to say, how long to listen, commands for the store, a
question to ask outside the call — until the reply says how
the dialogue ends. Where the call goes then is the session's decision, not the
dialogue's: it only names the kind of end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, Protocol

from ivr.domain.outcomes import ContactOutcome
from ivr.flow import commands as c
from ivr.flow.queries import Query


@dataclass(frozen=True)
class Finish:
    """Say the reply's last words, then end the call with this outcome."""

    outcome: ContactOutcome
    reason: str


@dataclass(frozen=True)
class Transfer:
    """Put the caller through to a department (« pour parler au service, tapez 2 »)."""

    target: str
    routed_by: c.RoutedBy = "dtmf"


@dataclass(frozen=True)
class ToMainMenu:
    """Say the reply's words, then offer the main menu again."""


@dataclass(frozen=True)
class Fallback:
    """The dialogue could not be completed (declined, too many failures, nothing to
    offer): the call takes the session's usual path — the closed department's
    voicemail or message when it was on its way there, else a person."""

    why: str


End = Finish | Transfer | ToMainMenu | Fallback


@dataclass(frozen=True)
class Listen:
    """Record the caller's voice after ``say`` (« après le bip… »): up to ``max_seconds``,
    ended by ``silence_seconds`` of silence or the ``#`` key."""

    max_seconds: int = 120
    silence_seconds: int = 3


@dataclass(frozen=True)
class Reply:
    """One step: say prompts (then listen ``listen`` seconds for a key), or only restart
    the input timer (``listen`` without ``say``: the next digit of a number), or ask a
    question outside the call (``ask``: ``answered`` follows; ``say`` is heard
    meanwhile, without listening), or record the caller's voice once ``say`` is heard
    (``record``: ``recorded`` follows); ``commands`` are carried out first; ``end``
    closes the dialogue."""

    say: tuple[c.PromptItem, ...] = ()
    listen: float | None = None
    commands: tuple[c.Command, ...] = ()
    end: End | None = None
    ask: Query | None = None
    record: Listen | None = None


class Dialogue(Protocol):
    """What the session asks of a dialogue; each method returns the next step."""

    name: ClassVar[str]  # in the contact's hangup stage (``dialogue:<name>``) and the logs

    def start(self, at: datetime) -> Reply:
        """Open the dialogue (its first question)."""
        ...

    def digit(self, digit: str, at: datetime) -> Reply:
        """One key from the caller."""
        ...

    def timeout(self, at: datetime) -> Reply:
        """No key (or words) before the input timer."""
        ...

    def answered(self, result: object, at: datetime) -> Reply:
        """The answer to the reply's ``ask`` (or ``ivr.flow.queries.Unavailable``)."""
        ...

    def recorded(self, name: str | None, seconds: float, at: datetime) -> Reply:
        """The caller's recording ended (``name`` None: it failed)."""
        ...
