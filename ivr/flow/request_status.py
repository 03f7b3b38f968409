"""The status of a request on the phone: a small state machine with no I/O.

    start ─known caller─▶ OFFER ──1..3──▶ CHECK (that request)
      │                     │9
      ▼                     ▼
    REFERENCE ◀─────────────┘  (10 digits, # ends, * starts again; Luhn checked at once)
      │ FindRequest
      ▼
    CHECK (birth date JJMMAAAA or PIN, as the type asks) ─VerifyCaller─▶ TOLD
                                                                     1: again, 2: the service,
                                                                     3: by SMS (a mobile),
                                                                     silence: self_service

Each failure (a reference mistyped or unknown, a date that is no date, a check that
does not match) is said and asked again; at ``self_service.max_failures`` the caller
is put through to a person. The store counts attempts per caller number and per
reference and locks a reference under attack: a refusal from it puts the caller
through at once. The store away: « je vous passe un conseiller ».

A caller on a French mobile may have the status sent by SMS (once per call): the offer
is a fixed sentence, so pressing 3 after it is the consent the store records with it.

Keys pressed while the store answers are kept (``types_ahead``): a caller who keys the
birth date before the question could be asked is not cut short; they count only when
the answer leads to a step that takes keys (the reference, the check).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar

from ivr.domain.outcomes import ContactOutcome
from ivr.domain.phone_numbers import is_hidden, mobile_number
from ivr.domain.prompt_texts import Prompt, Text
from ivr.flow import commands as c
from ivr.flow.dialogue import Fallback, Finish, Reply, Transfer
from ivr.flow.queries import Unavailable
from ivr.flow.request_queries import (
    FindRequest,
    Guard,
    OpenRequest,
    OpenRequests,
    OpenRequestsOf,
    Refused,
    RequestFound,
    RequestState,
    SendStatusSms,
    SmsQueued,
    VerifyCaller,
)
from ivr.requests import lifecycle, reference
from ivr.requests.inputs import keyed_date
from ivr.requests.spoken import as_sentence, request_name, spoken_state
from ivr.rules import Rules

OTHER_REQUEST = "9"
BY_SMS = "3"
SMS_OFFER = ("Pour recevoir ce message par SMS sur le téléphone portable qui vous appelle, "
             "tapez 3.")
BIRTH_DATE_LENGTH = len("JJMMAAAA")
PIN_LENGTH = 8  # the longest PIN; a shorter one ends with #


CheckFn = Callable[[datetime], Reply]
CHECK_FAILURES = frozenset({"check_failed", "birth_date_invalid", "check_no_input"})


class Step(StrEnum):
    OFFER = "offer"
    REFERENCE = "reference"
    CHECK = "check"
    TOLD = "told"
    WAITING = "waiting"  # a question is out
    DONE = "done"


@dataclass
class RequestStatusDialogue:
    """« Où en est ma demande ? » for one call; ``caller`` is the presented caller ID."""

    name: ClassVar[str] = "request_status"
    types_ahead: ClassVar[bool] = True  # the session passes keys pressed while waiting
    rules: Rules
    call_id: str
    caller: str | None
    step: Step = Step.REFERENCE
    digits: str = ""
    failures: int = 0
    offered: tuple[OpenRequest, ...] = ()
    found: RequestFound | None = None
    told: tuple[Text, ...] = field(default=())
    texted: bool = False  # the status went by SMS already
    ahead: str = ""  # keys pressed while a question was out

    def start(self, at: datetime) -> Reply:
        """Offer the caller's open requests first when the number is known."""
        if self.caller and not is_hidden(self.caller):
            self.step = Step.WAITING
            return Reply(ask=OpenRequestsOf(self.caller))
        return self._ask_reference()

    def digit(self, digit: str, at: datetime) -> Reply:
        """One key from the caller."""
        if self.step == Step.OFFER:
            return self._offer_chosen(digit, at)
        if self.step == Step.REFERENCE:
            return self._keyed(digit, at, reference.LENGTH, self._check_reference)
        if self.step == Step.CHECK:
            return self._keyed(digit, at, self._check_length, self._check_secret)
        if self.step == Step.TOLD:
            return self._after(digit, at)
        if self.step == Step.WAITING:
            self.ahead += digit
        return Reply()

    def timeout(self, at: datetime) -> Reply:
        """No key: what was keyed is checked; nothing at all is a failure."""
        if self.step == Step.REFERENCE and self.digits:
            return self._check_reference(at)
        if self.step == Step.CHECK and self.digits:
            return self._check_secret(at)
        if self.step == Step.TOLD:
            return self._done(at)
        if self.step == Step.OFFER:
            return self._ask_reference()
        kind = "check_no_input" if self.step == Step.CHECK else "no_input"
        return self._failure(at, Prompt("no-input"), kind)

    def answered(self, result: object, at: datetime) -> Reply:
        """The store's answer to the question out; then the keys typed ahead of it."""
        ahead, self.ahead = self.ahead, ""
        reply = self._answer(result, at)
        if not ahead or self.step not in (Step.REFERENCE, Step.CHECK):
            return reply
        for n, key in enumerate(ahead):
            reply = self.digit(key, at)
            if self.step == Step.WAITING:  # they made a question: the rest waits again
                self.ahead = ahead[n + 1:]
                return reply
        return reply if reply.say or reply.end else Reply(listen=self._timeout)

    def _answer(self, result: object, at: datetime) -> Reply:
        if isinstance(result, Unavailable):
            self.step = Step.DONE
            return Reply((Prompt("service-unavailable"),),
                         commands=(self._record(at, "store_unavailable", why=result.why),),
                         end=Fallback("store_unavailable"))
        if isinstance(result, OpenRequests):
            return self._offer(result.items)
        if isinstance(result, RequestFound):
            return self._ask_secret(result, at)
        if isinstance(result, RequestState):
            return self._tell(result, at)
        if isinstance(result, Refused):
            return self._refused(result, at)
        if isinstance(result, SmsQueued):
            self.step, self.texted = Step.TOLD, True
            return Reply((Prompt("status-sms-sent"), *self._choices()), self._timeout,
                         commands=(self._record(at, "request_status_sms"),))
        return Reply()

    def recorded(self, name: str | None, seconds: float, at: datetime) -> Reply:
        """Never records."""
        return Reply()

    # -- steps ---------------------------------------------------------------------

    def _offer(self, items: tuple[OpenRequest, ...]) -> Reply:
        if not items:
            return self._ask_reference()
        self.step, self.offered = Step.OFFER, items
        known = [Text(f"Vous avez une {request_name(self.rules, item.type_id)} en cours : "
                      f"tapez {n} pour en connaître l'état.")
                 for n, item in enumerate(items, start=1)]
        return Reply((*known, Prompt("status-other-request")), self._timeout)

    def _offer_chosen(self, digit: str, at: datetime) -> Reply:
        if digit == OTHER_REQUEST:
            return self._ask_reference()
        if digit.isdigit() and 1 <= int(digit) <= len(self.offered):
            item = self.offered[int(digit) - 1]
            return self._ask_secret(RequestFound(item.reference, item.type_id,
                                                 item.has_birth_date, item.has_pin), at)
        return Reply((Prompt("invalid"), *self._offer(self.offered).say), self._timeout)

    def _ask_reference(self) -> Reply:
        self.step, self.digits = Step.REFERENCE, ""
        return Reply((Prompt("status-enter-reference"),), self._timeout)

    def _keyed(self, digit: str, at: datetime, length: int, check: CheckFn) -> Reply:
        """One key of a number: ``*`` starts again, ``#`` or ``length`` digits end it."""
        if digit == "*":
            self.digits = ""
            return Reply((self._question(),), self._timeout)
        if digit != "#":
            self.digits += digit
        if digit == "#" or len(self.digits) >= length:
            return check(at)
        return Reply(listen=self._timeout)

    def _check_reference(self, at: datetime) -> Reply:
        keyed, self.digits = self.digits, ""
        if not reference.is_valid(keyed):
            return self._failure(at, Prompt("status-invalid-reference"), "reference_invalid")
        self.step = Step.WAITING
        return Reply(ask=FindRequest(keyed, self._caller, self.call_id, at, self._guard))

    def _ask_secret(self, found: RequestFound, at: datetime) -> Reply:
        self.found = found
        if self._verification == "none":
            return self._verify(at)
        if not (found.has_pin if self._verification == "pin" else found.has_birth_date):
            self.step = Step.DONE
            return Reply((Prompt("status-not-checkable"),),
                         commands=(self._record(at, "request_not_checkable"),),
                         end=Fallback("not_checkable"))
        self.step, self.digits = Step.CHECK, ""
        return Reply((self._question(),), self._timeout)

    def _check_secret(self, at: datetime) -> Reply:
        keyed, self.digits = self.digits, ""
        if self._verification == "pin":
            return self._verify(at, pin=keyed)
        born = keyed_date(keyed)
        if born is None:
            return self._failure(at, Prompt("status-invalid-date"), "birth_date_invalid")
        return self._verify(at, birth_date=born)

    def _verify(self, at: datetime, *, birth_date: date | None = None,
                pin: str | None = None) -> Reply:
        assert self.found is not None
        self.step = Step.WAITING
        return Reply(ask=VerifyCaller(self.found.reference, self._verification, self._caller,
                                      self.call_id, at, self._guard, birth_date, pin))

    def _tell(self, state: RequestState, at: datetime) -> Reply:
        self.step = Step.TOLD
        self.told = spoken_state(self.rules, state.type_id, state.status, state.since,
                                 state.due_at, state.closed)
        facts = (self._record(at, "request_status_told", reference=state.reference,
                              type=state.type_id, status=state.status),
                 c.UpdateContact(at=at, request_ref=state.reference,
                                 outcome=ContactOutcome.SELF_SERVICE))
        return Reply((*self.told, *self._choices()), self._timeout, commands=facts)

    def _choices(self) -> tuple[Prompt | Text, ...]:
        """What the caller may do now; the SMS while it was not sent, to a mobile."""
        if self.texted or self._mobile is None:
            return (Prompt("status-after"), Prompt("status-hang-up"))
        return (Prompt("status-after"), Text(SMS_OFFER), Prompt("status-hang-up"))

    def _after(self, digit: str, at: datetime) -> Reply:
        if digit == "1":
            return Reply((*self.told, *self._choices()), self._timeout,
                         commands=(self._record(at, "request_status_repeated"),))
        if digit == BY_SMS and not self.texted and self._mobile and self.found is not None:
            self.step = Step.WAITING
            return Reply(ask=SendStatusSms(self.found.reference, self._mobile,
                                           as_sentence(self.told), SMS_OFFER, digit,
                                           self.call_id, at, self.rules))
        if digit == "2" and self.found is not None:
            self.step = Step.DONE
            department = lifecycle.request_type(self.rules, self.found.type_id).department
            return Reply(commands=(self._record(at, "request_status_to_department",
                                                target=department),),
                         end=Transfer(department))
        return Reply((Prompt("invalid"), *self._choices()), self._timeout)

    def _done(self, at: datetime) -> Reply:
        self.step = Step.DONE
        return Reply((Text(self.rules.messages.goodbye),),
                     end=Finish(ContactOutcome.SELF_SERVICE, "self_service"))

    def _refused(self, refused: Refused, at: datetime) -> Reply:
        if refused.why == "unknown":
            return self._failure(at, Prompt("status-unknown-reference"), "reference_unknown")
        if refused.why == "mismatch":
            return self._failure(at, Prompt("status-mismatch"), "check_failed")
        self.step = Step.DONE
        why = Prompt("status-locked" if refused.why == "locked" else "status-too-many-failures")
        return Reply((why,), commands=(self._record(at, f"request_{refused.why}"),),
                     end=Fallback(refused.why))

    def _failure(self, at: datetime, why: Prompt, kind: str) -> Reply:
        """Say why and ask again; at ``max_failures`` put the caller through to a person."""
        self.failures += 1
        rec = self._record(at, kind, count=self.failures)
        if self.failures >= self.rules.self_service.max_failures:
            self.step = Step.DONE
            return Reply((why, Prompt("status-too-many-failures")), commands=(rec,),
                         end=Fallback("too_many_failures"))
        # a check that failed is asked again; anything else asks the reference again
        self.step = Step.CHECK if kind in CHECK_FAILURES else Step.REFERENCE
        self.digits = ""
        return Reply((why, self._question()), self._timeout, commands=(rec,))

    # -- helpers -------------------------------------------------------------------

    def _question(self) -> Prompt:
        if self.step == Step.CHECK:
            return Prompt("status-enter-pin" if self._verification == "pin"
                          else "status-enter-birth-date")
        return Prompt("status-enter-reference")

    def _record(self, at: datetime, kind: str, **data: object) -> c.ContactEvent:
        ref = self.found.reference if self.found else None
        return c.ContactEvent(at, kind, {"dialogue": self.name, "reference": ref, **data})

    @property
    def _verification(self) -> str:
        assert self.found is not None
        return lifecycle.request_type(self.rules, self.found.type_id).verification

    @property
    def _check_length(self) -> int:
        return PIN_LENGTH if self._verification == "pin" else BIRTH_DATE_LENGTH

    @property
    def _caller(self) -> str | None:
        return None if is_hidden(self.caller) else self.caller

    @property
    def _mobile(self) -> str | None:
        return mobile_number(self.caller)

    @property
    def _guard(self) -> Guard:
        return Guard.from_rules(self.rules)

    @property
    def _timeout(self) -> float:
        return float(self.rules.input.digit_timeout)

