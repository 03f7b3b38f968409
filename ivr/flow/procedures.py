"""A short spoken answer about a procedure (inscription scolaire, crèche, carte
d'identité…): a small state machine with no I/O.

    ANSWER (« procedure-<topic> », then « pour réécouter, tapez 1 ; pour parler au
    service, tapez 2 ») ──1──▶ ANSWER again
          │2                   │silence
          ▼                    ▼
      Transfer(department)   Finish(self_service)

The texts are catalogue prompts, so a town edits them in the admin's prompts page.
Sending the link by SMS waits for the messages capability.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from ivr.domain.outcomes import ContactOutcome
from ivr.domain.prompt_texts import Prompt, Text
from ivr.flow import commands as c
from ivr.flow.dialogue import Finish, Reply, Transfer
from ivr.rules import Rules


@dataclass
class ProcedureAnswer:
    """The answer about ``topic`` (a key of ``self_service.procedures``)."""

    name: ClassVar[str] = "procedure"
    rules: Rules
    topic: str

    def start(self, at: datetime) -> Reply:
        """Say the answer; the caller got it: a hang-up now is self-service."""
        facts = (c.ContactEvent(at, "procedure_told", {"topic": self.topic}),
                 c.UpdateContact(at=at, outcome=ContactOutcome.SELF_SERVICE))
        return Reply(self._answer(), self._timeout, commands=facts)

    def digit(self, digit: str, at: datetime) -> Reply:
        """1: again; 2: the department; anything else: the choices again."""
        if digit == "1":
            return Reply(self._answer(), self._timeout)
        if digit == "2":
            department = self.rules.self_service.procedures[self.topic].department
            return Reply(commands=(c.ContactEvent(at, "procedure_to_department",
                                                  {"target": department}),),
                         end=Transfer(department))
        return Reply((Prompt("invalid"), Prompt("procedure-after")), self._timeout)

    def timeout(self, at: datetime) -> Reply:
        """Silence after the answer: goodbye."""
        return Reply((Text(self.rules.messages.goodbye),),
                     end=Finish(ContactOutcome.SELF_SERVICE, "self_service"))

    def answered(self, result: object, at: datetime) -> Reply:
        """Never asks."""
        return Reply()

    def recorded(self, name: str | None, seconds: float, at: datetime) -> Reply:
        """Never records."""
        return Reply()

    def _answer(self) -> tuple[Prompt, ...]:
        return (Prompt(f"procedure-{self.topic}"), Prompt("procedure-after"))

    @property
    def _timeout(self) -> float:
        return float(self.rules.input.digit_timeout)
