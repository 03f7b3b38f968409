"""A short spoken answer about a procedure (inscription scolaire, crèche, carte
d'identité…): a small state machine with no I/O.

    ANSWER (« procedure-<topic> », then « pour réécouter, tapez 1 ; pour parler au
    service, tapez 2 » [; « pour recevoir le lien par SMS, tapez 3 »]) ──1──▶ ANSWER again
          │2                   │silence        │3 ─SendProcedureLink─▶ ANSWER, no offer
          ▼                    ▼
      Transfer(department)   Finish(self_service)

The texts are catalogue prompts, so a town edits them in the admin's prompts page.
The link (the procedure's ``link`` in the rules) is offered to a caller on a French
mobile, once; the offer is a fixed sentence, so pressing 3 is the consent the store
records with it (as for a request's status).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from ivr.domain.outcomes import ContactOutcome
from ivr.domain.phone_numbers import mobile_number
from ivr.domain.prompt_texts import Prompt, Text
from ivr.flow import commands as c
from ivr.flow.dialogue import Fallback, Finish, Reply, Transfer
from ivr.flow.queries import Query, Unavailable
from ivr.rules import Rules

BY_SMS = "3"
LINK_OFFER = ("Pour recevoir le lien de cette démarche par SMS sur le téléphone portable qui "
              "vous appelle, tapez 3.")


@dataclass(frozen=True)
class SendProcedureLink(Query):
    """Send ``link`` by SMS to ``number``, the mobile the caller asked from; ``wording``
    and ``key`` are the proof of their consent."""

    topic: str
    link: str
    number: str  # E.164
    wording: str
    key: str
    call_id: str
    at: datetime
    rules: Rules = field(compare=False, repr=False)  # the town's name and time zone


@dataclass(frozen=True)
class LinkQueued:
    """The SMS is in the outbox."""


@dataclass
class ProcedureAnswer:
    """The answer about ``topic`` (a key of ``self_service.procedures``)."""

    name: ClassVar[str] = "procedure"
    rules: Rules
    topic: str
    call_id: str = ""
    caller: str | None = None
    texted: bool = False  # the link went by SMS already

    def start(self, at: datetime) -> Reply:
        """Say the answer; the caller got it: a hang-up now is self-service."""
        facts = (c.ContactEvent(at, "procedure_told", {"topic": self.topic}),
                 c.UpdateContact(at=at, outcome=ContactOutcome.SELF_SERVICE))
        return Reply(self._answer(), self._timeout, commands=facts)

    def digit(self, digit: str, at: datetime) -> Reply:
        """1: again; 2: the department; 3: the link by SMS; anything else: the choices."""
        if digit == "1":
            return Reply(self._answer(), self._timeout)
        link, number = self._link, mobile_number(self.caller)
        if digit == BY_SMS and link and number and not self.texted:
            return Reply(ask=SendProcedureLink(self.topic, link, number, LINK_OFFER, digit,
                                               self.call_id, at, self.rules))
        if digit == "2":
            department = self.rules.self_service.procedures[self.topic].department
            return Reply(commands=(c.ContactEvent(at, "procedure_to_department",
                                                  {"target": department}),),
                         end=Transfer(department))
        return Reply((Prompt("invalid"), *self._choices()), self._timeout)

    def timeout(self, at: datetime) -> Reply:
        """Silence after the answer: goodbye."""
        return Reply((Text(self.rules.messages.goodbye),),
                     end=Finish(ContactOutcome.SELF_SERVICE, "self_service"))

    def answered(self, result: object, at: datetime) -> Reply:
        """The link queued (said, then the choices), or the store away (a person)."""
        if isinstance(result, LinkQueued):
            self.texted = True
            return Reply((Prompt("procedure-link-sent"), *self._choices()), self._timeout,
                         commands=(c.ContactEvent(at, "procedure_link_sms",
                                                  {"topic": self.topic}),))
        why = result.why if isinstance(result, Unavailable) else "unexpected"
        return Reply((Prompt("service-unavailable"),),
                     commands=(c.ContactEvent(at, "store_unavailable", {"why": why}),),
                     end=Fallback("store_unavailable"))

    def recorded(self, name: str | None, seconds: float, at: datetime) -> Reply:
        """Never records."""
        return Reply()

    def _answer(self) -> tuple[Prompt | Text, ...]:
        return (Prompt(f"procedure-{self.topic}"), *self._choices())

    def _choices(self) -> tuple[Prompt | Text, ...]:
        """The keys; the link by SMS while not sent, when there is one and a mobile."""
        if self.texted or not self._link or mobile_number(self.caller) is None:
            return (Prompt("procedure-after"),)
        return (Prompt("procedure-after"), Text(LINK_OFFER))

    @property
    def _link(self) -> str | None:
        return self.rules.self_service.procedures[self.topic].link

    @property
    def _timeout(self) -> float:
        return float(self.rules.input.digit_timeout)
