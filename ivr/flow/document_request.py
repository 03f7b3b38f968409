"""A civil-status document requested by phone: a small state machine with no I/O.

    [PostalAddressOf the caller's number] ─▶ ACT (1 naissance, 2 mariage, 3 décès)
      ─▶ KIND (1 copie intégrale, 2 extrait) ─▶ DATE (JJMMAAAA of the event)
      ─▶ NAMES (recorded after the beep) ─▶ DELIVERY (1 post, 2 e-mail)
      ─▶ ADDRESS (recorded) ─CreateDocumentRequest─▶
      the reference read back in digit pairs and the announced delay; self_service

A caller whose number belongs to a citizen with a postal address on file hears « par
courrier à votre adresse enregistrée » (never the address itself: the number is no
proof of identity) and key 1 creates the request at once. Without one, the address is
said after the beep and the request is posted « adresse à compléter »: the agent
types it into the citizen's file from the recording (``RequestView.address_to_complete``).

Nothing is stored before the last step: a caller who hangs up half-way leaves no
request (their recordings stay in Asterisk's spool, unattached). Wrong keys and dates
are said and asked again, up to ``input.retries`` times, then a person; the store
away: « je vous passe un conseiller ».
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar

from ivr.domain.hours import spoken_date
from ivr.domain.outcomes import ContactOutcome
from ivr.domain.phone_numbers import check_number, spoken_digits
from ivr.domain.prompt_texts import Prompt, Text
from ivr.flow import commands as c
from ivr.flow.dialogue import Fallback, Finish, Listen, Reply
from ivr.flow.queries import Unavailable
from ivr.flow.request_queries import (
    AddressOnFile,
    CreateDocumentRequest,
    DocumentRequested,
    PostalAddressOf,
)
from ivr.requests import lifecycle
from ivr.requests.inputs import keyed_date
from ivr.rules import Rules

ACTS = {"1": "acte-naissance", "2": "acte-mariage", "3": "acte-deces"}
KINDS = {"1": "Copie intégrale", "2": "Extrait"}
DELIVERIES = {"1": ("courrier", "document-say-address"), "2": ("courriel", "document-say-email")}
POSTED_ON_FILE = "L'acte vous sera envoyé à votre adresse enregistrée."
DATE_LENGTH = len("JJMMAAAA")
NAMES_RECORDING = Listen(max_seconds=30, silence_seconds=3)
ADDRESS_RECORDING = Listen(max_seconds=45, silence_seconds=3)


class Step(StrEnum):
    ACT = "act"
    KIND = "kind"
    DATE = "date"
    NAMES = "names"
    DELIVERY = "delivery"
    ADDRESS = "address"
    WAITING = "waiting"
    DONE = "done"


QUESTIONS = {Step.ACT: "document-choose-act", Step.KIND: "document-choose-kind",
             Step.DATE: "document-enter-date", Step.NAMES: "document-say-names",
             Step.DELIVERY: "document-choose-delivery"}


@dataclass
class DocumentRequestDialogue:
    """« Je voudrais un acte de naissance » for one call."""

    name: ClassVar[str] = "document_request"
    rules: Rules
    call_id: str
    caller: str | None
    step: Step = Step.ACT
    digits: str = ""
    failures: int = 0
    type_id: str = ""
    kind: str = ""
    event_date: date | None = None
    delivery: str = ""
    recordings: list[tuple[str, str]] = field(default_factory=list)
    on_file: bool = False  # the caller's citizen has a postal address

    def start(self, at: datetime) -> Reply:
        """Whether the caller has an address on file (a number to look up), then which act."""
        if self._number is None:
            return self._ask(Step.ACT)
        self.step = Step.WAITING
        return Reply(ask=PostalAddressOf(self._number))

    def digit(self, digit: str, at: datetime) -> Reply:
        """One key from the caller."""
        if self.step == Step.ACT:
            return self._chosen(digit, at, ACTS, "type_id", Step.KIND)
        if self.step == Step.KIND:
            return self._chosen(digit, at, KINDS, "kind", Step.DATE)
        if self.step == Step.DELIVERY:
            return self._delivery(digit, at)
        if self.step == Step.DATE:
            if digit == "*":
                return self._ask(Step.DATE)
            if digit != "#":
                self.digits += digit
            if digit == "#" or len(self.digits) >= DATE_LENGTH:
                return self._dated(at)
            return Reply(listen=self._timeout)
        return Reply()

    def timeout(self, at: datetime) -> Reply:
        """No key: a partial date is checked; nothing at all is a failure."""
        if self.step == Step.DATE and self.digits:
            return self._dated(at)
        return self._failure(at, Prompt("no-input"))

    def recorded(self, name: str | None, seconds: float, at: datetime) -> Reply:
        """The names, then the address, were said (``name`` None: nothing recorded)."""
        what = "noms" if self.step == Step.NAMES else "adresse"
        if name is None or seconds <= 0:
            return self._failure(at, Prompt("document-not-recorded"))
        self.recordings.append((what, name))
        rec = self._record(at, "document_recorded", what=what, seconds=round(seconds, 1))
        if self.step == Step.NAMES:
            reply = self._ask(Step.DELIVERY)
            return Reply(reply.say, reply.listen, commands=(rec,))
        return self._create(at, rec)

    def answered(self, result: object, at: datetime) -> Reply:
        """The address on file or not, the request created, or the store away."""
        if isinstance(result, AddressOnFile):
            self.on_file = result.known
            return self._ask(Step.ACT)
        self.step = Step.DONE
        if isinstance(result, DocumentRequested):
            return self._told(result, at)
        why = result.why if isinstance(result, Unavailable) else "unexpected"
        return Reply((Prompt("service-unavailable"),),
                     commands=(self._record(at, "store_unavailable", why=why),),
                     end=Fallback("store_unavailable"))

    # -- steps ---------------------------------------------------------------------

    def _chosen(self, digit: str, at: datetime, choices: dict[str, str], attr: str,
                then: Step) -> Reply:
        if digit not in choices:
            return self._failure(at, Prompt("invalid"))
        setattr(self, attr, choices[digit])
        return self._ask(then)

    def _dated(self, at: datetime) -> Reply:
        keyed, self.digits = self.digits, ""
        day = keyed_date(keyed)
        if day is None or day > at.date():
            return self._failure(at, Prompt("status-invalid-date"))
        self.event_date = day
        return self._ask(Step.NAMES)

    def _delivery(self, digit: str, at: datetime) -> Reply:
        if digit not in DELIVERIES:
            return self._failure(at, Prompt("invalid"))
        self.delivery, prompt = DELIVERIES[digit]
        if self._posted_on_file:
            return self._create(at, self._record(at, "document_delivery",
                                                 delivery=self.delivery, on_file=True))
        self.step = Step.ADDRESS
        return Reply((Prompt(prompt),), record=ADDRESS_RECORDING)

    def _create(self, at: datetime, rec: c.ContactEvent) -> Reply:
        assert self.event_date is not None
        self.step = Step.WAITING
        return Reply(commands=(rec,), ask=CreateDocumentRequest(
            self.type_id, self.kind, self.event_date, self.delivery, self._number,
            self.call_id, at, tuple(self.recordings), self.rules, self._posted_on_file))

    def _told(self, done: DocumentRequested, at: datetime) -> Reply:
        delay = lifecycle.request_type(self.rules, self.type_id).delay
        due = spoken_date(done.due_at.astimezone(self.rules.town.zone).date())
        words = (Prompt("document-reference"), Text(spoken_digits(done.reference) + "."),
                 Text(f"Elle sera traitée sous {delay} jours ouvrés, au plus tard le {due}."),
                 *((Text(POSTED_ON_FILE),) if self._posted_on_file else ()),
                 Text(self.rules.messages.goodbye))
        facts = (self._record(at, "document_requested", reference=done.reference,
                              type=self.type_id),
                 c.UpdateContact(at=at, request_ref=done.reference,
                                 outcome=ContactOutcome.SELF_SERVICE))
        return Reply(words, commands=facts,
                     end=Finish(ContactOutcome.SELF_SERVICE, "self_service"))

    def _ask(self, step: Step) -> Reply:
        self.step, self.digits = step, ""
        if step == Step.NAMES:
            return Reply((Prompt(QUESTIONS[step]),), record=NAMES_RECORDING)
        if step == Step.DELIVERY and self.on_file:
            return Reply((Prompt("document-choose-delivery-on-file"),), self._timeout)
        return Reply((Prompt(QUESTIONS[step]),), self._timeout)

    def _failure(self, at: datetime, why: Prompt) -> Reply:
        """Say why and ask again, up to ``input.retries`` times, then a person."""
        self.failures += 1
        rec = self._record(at, "document_failure", step=self.step.value, count=self.failures)
        if self.failures > self.rules.input.retries:
            self.step = Step.DONE
            return Reply((Prompt("status-too-many-failures"),), commands=(rec,),
                         end=Fallback("too_many_failures"))
        if self.step == Step.ADDRESS:
            prompt = DELIVERIES["1" if self.delivery == "courrier" else "2"][1]
            return Reply((why, Prompt(prompt)), commands=(rec,), record=ADDRESS_RECORDING)
        again = self._ask(self.step)
        return Reply((why, *again.say), again.listen, commands=(rec,), record=again.record)

    def _record(self, at: datetime, kind: str, **data: object) -> c.ContactEvent:
        return c.ContactEvent(at, kind, {"dialogue": self.name, **data})

    @property
    def _number(self) -> str | None:
        checked = check_number(self.caller)
        return checked.e164 if checked.ok else None

    @property
    def _posted_on_file(self) -> bool:
        return self.on_file and self.delivery == "courrier"

    @property
    def _timeout(self) -> float:
        return float(self.rules.input.digit_timeout)
