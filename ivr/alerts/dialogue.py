"""The call a recipient hears, as a pure state machine: events in, commands out.

On answer the message is played, then repeated once, then the question « tapez 1 pour
confirmer que vous avez bien entendu ce message ; tapez 2 si vous avez besoin d'aide »
is asked (again after a wrong key, at most ``QUESTIONS`` times; a silence ends the call,
which alert mode redials). A 1 or a 2 counts at any moment, even during the
message (whoever has understood need not listen twice); the result is emitted with the
key, so the dialer commits it while the call is still up. An answering machine in
information mode is hung up on, or, at the last attempt, left the message twice.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from ivr.alerts.policy import Result

QUESTION = ("Tapez 1 pour confirmer que vous avez bien entendu ce message ; "
            "tapez 2 si vous avez besoin d'aide.")
THANKS = "Merci, votre confirmation est enregistrée. Au revoir."
HELP = ("Votre demande d'aide est transmise au centre communal d'action sociale, "
        "qui va vous rappeler. Restez en sécurité. Au revoir.")
QUESTIONS = 2  # a wrong key asks the question again, once
MESSAGE_PLAYS = 2

Phase = Literal["ringing", "message", "question", "waiting", "closing", "done"]


@dataclass(frozen=True)
class PlayMessage:
    """Play the campaign's message (its text, its recording, or both)."""


@dataclass(frozen=True)
class Say:
    text: str


@dataclass(frozen=True)
class StopPlaying:
    """Cut the message short: a key was pressed."""


@dataclass(frozen=True)
class WaitForKey:
    seconds: float


@dataclass(frozen=True)
class HangUp:
    pass


@dataclass(frozen=True)
class Outcome:
    """Record the attempt's result now (the call may go on for a goodbye)."""

    result: Result


Command = PlayMessage | Say | StopPlaying | WaitForKey | HangUp | Outcome


@dataclass(frozen=True)
class AlertCall:
    """One answered attempt. ``leave_on_machine``: information mode, last attempt."""

    leave_on_machine: bool = False
    key_wait: float = 6.0
    phase: Phase = "ringing"
    plays: int = 0
    questions: int = 0
    result: Result | None = None
    machine: bool = False

    def answered(self, amd_status: str | None = None) -> tuple[AlertCall, list[Command]]:
        """The callee picked up; ``amd_status`` is ``AMD()``'s verdict when it ran."""
        if amd_status == "MACHINE":
            if not self.leave_on_machine:
                return self._end(Result.MACHINE, [HangUp()])
            return replace(self, phase="message", plays=1, machine=True), [PlayMessage()]
        if amd_status == "HANGUP":
            return self._end(Result.NO_KEY, [HangUp()])
        return replace(self, phase="message", plays=1), [PlayMessage()]

    def not_answered(self, result: Result) -> tuple[AlertCall, list[Command]]:
        """The call ended before the answer: the network's verdict (busy, no answer…)."""
        return self._end(result, [])

    def played(self) -> tuple[AlertCall, list[Command]]:
        """The current playback ended."""
        if self.phase == "message":
            if self.plays < MESSAGE_PLAYS:
                return replace(self, plays=self.plays + 1), [PlayMessage()]
            if self.machine:
                return self._end(Result.VOICEMAIL, [HangUp()])
            return replace(self, phase="question", questions=1), [Say(QUESTION)]
        if self.phase == "question":
            return replace(self, phase="waiting"), [WaitForKey(self.key_wait)]
        if self.phase == "closing":
            return replace(self, phase="done"), [HangUp()]
        return self, []

    def key(self, digit: str) -> tuple[AlertCall, list[Command]]:
        """A key pressed (RFC 2833 or in-band, as Asterisk reports it)."""
        if self.phase not in ("message", "question", "waiting") or self.machine:
            return self, []
        if digit in ("1", "2"):
            result = Result.ACKNOWLEDGED if digit == "1" else Result.HELP
            stop: list[Command] = [] if self.phase == "waiting" else [StopPlaying()]
            goodbye = THANKS if digit == "1" else HELP
            return (replace(self, phase="closing", result=result),
                    [*stop, Outcome(result), Say(goodbye)])
        if self.phase == "waiting":
            return self._ask_again()
        return self, []

    def silence(self) -> tuple[AlertCall, list[Command]]:
        """No key within ``key_wait`` after the question."""
        if self.phase != "waiting":
            return self, []
        return self._end(Result.NO_KEY, [HangUp()])

    def hung_up(self) -> tuple[AlertCall, list[Command]]:
        """The callee hung up: answered, but without a key (unless one came first)."""
        if self.result is not None:
            return replace(self, phase="done"), []
        return self._end(Result.VOICEMAIL if self.machine and self.plays > 1
                         else Result.NO_KEY, [])

    def _ask_again(self) -> tuple[AlertCall, list[Command]]:
        if self.questions < QUESTIONS:
            return replace(self, phase="question", questions=self.questions + 1), [Say(QUESTION)]
        return self._end(Result.NO_KEY, [HangUp()])

    def _end(self, result: Result, commands: list[Command]) -> tuple[AlertCall, list[Command]]:
        return replace(self, phase="done", result=result), [Outcome(result), *commands]
