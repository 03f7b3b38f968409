"""A short spoken answer about a procedure (inscription scolaire, crèche, carte
d'identité…): a small state machine with no I/O.

    ANSWER (« procedure-<topic> », then « [pour recevoir le lien par SMS, tapez 1 ;]
    pour parler au service, tapez 2 ; pour réécouter, tapez 9 ») ──9──▶ ANSWER again
          │2                   │1 (link, caller's number)    │silence
          ▼                    ▼                             ▼
      Transfer(department)   ask SendProcedureLink ─▶ « envoyé »   Finish(self_service)

The issue's order: the link first (1), the service (2); « réécouter » is announced last,
on a key of its own.

The texts are catalogue prompts, so a town edits them in the admin's prompts page.
The link goes only to the number calling (asked by the key press itself: no other
consent), through the messages outbox; a withheld number is not offered the link.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from ivr.domain.outcomes import ContactOutcome
from ivr.domain.phone_numbers import check_number, receives_sms
from ivr.domain.prompt_texts import Prompt, Text
from ivr.flow import commands as c
from ivr.flow.dialogue import Finish, Reply, Transfer
from ivr.flow.queries import Query, Unavailable
from ivr.rules import Rules

BY_SMS, TO_SERVICE, AGAIN = "1", "2", "9"
SENT = "Le lien vous a été envoyé par SMS."
NOT_SENT = "Le lien n'a pas pu être envoyé pour l'instant."


@dataclass(frozen=True)
class SendProcedureLink(Query):
    """Queue the SMS with a procedure's link to the calling number (template
    ``lien_demarche``); answered True once queued."""

    number: str
    topic: str
    link: str
    town: str
    call_id: str
    at: datetime


@dataclass
class ProcedureAnswer:
    """The answer about ``topic`` (a key of ``self_service.procedures``)."""

    name: ClassVar[str] = "procedure"
    rules: Rules
    topic: str
    caller: str | None = None
    call_id: str = ""
    sent: bool = False

    def start(self, at: datetime) -> Reply:
        """Say the answer; the caller got it: a hang-up now is self-service."""
        facts = (c.ContactEvent(at, "procedure_told", {"topic": self.topic}),
                 c.UpdateContact(at=at, outcome=ContactOutcome.SELF_SERVICE))
        return Reply(self._answer(), self._timeout, commands=facts)

    def digit(self, digit: str, at: datetime) -> Reply:
        """1: the link by SMS; 2: the department; 9: again; else the choices again."""
        if digit == AGAIN:
            return Reply(self._answer(), self._timeout)
        if digit == TO_SERVICE:
            department = self.rules.self_service.procedures[self.topic].department
            return Reply(commands=(c.ContactEvent(at, "procedure_to_department",
                                                  {"target": department}),),
                         end=Transfer(department))
        if digit == BY_SMS and (ask := self._link_query(at)) is not None:
            self.sent = True
            return Reply(commands=(c.ContactEvent(at, "procedure_link_asked",
                                                  {"topic": self.topic}),), ask=ask)
        return Reply((Prompt("invalid"), self._after()), self._timeout)

    def timeout(self, at: datetime) -> Reply:
        """Silence after the answer: goodbye."""
        return Reply((Text(self.rules.messages.goodbye),),
                     end=Finish(ContactOutcome.SELF_SERVICE, "self_service"))

    def answered(self, result: object, at: datetime) -> Reply:
        """The link queued (or not): say so, then the choices again."""
        ok = result is True and not isinstance(result, Unavailable)
        return Reply((Text(SENT if ok else NOT_SENT), self._after()), self._timeout,
                     commands=(c.ContactEvent(at, "procedure_link_sent" if ok
                                              else "procedure_link_failed",
                                              {"topic": self.topic}),))

    def recorded(self, name: str | None, seconds: float, at: datetime) -> Reply:
        """Never records."""
        return Reply()

    def _answer(self) -> tuple[Prompt, ...]:
        return (Prompt(f"procedure-{self.topic}"), self._after())

    def _after(self) -> Prompt:
        """The choices; « tapez 1 » for the link only while it can still be sent here."""
        offer = not self.sent and self._number() is not None and self._link() is not None
        return Prompt("procedure-after-link" if offer else "procedure-after")

    def _link(self) -> str | None:
        procedure = self.rules.self_service.procedures.get(self.topic)
        return procedure.link if procedure else None

    def _number(self) -> str | None:
        checked = check_number(self.caller)
        return checked.e164 if checked.e164 and receives_sms(checked.e164) else None

    def _link_query(self, at: datetime) -> SendProcedureLink | None:
        number, link = self._number(), self._link()
        if self.sent or number is None or link is None:
            return None
        return SendProcedureLink(number, self.topic, link, self.rules.town.name, self.call_id, at)

    @property
    def _timeout(self) -> float:
        return float(self.rules.input.digit_timeout)
