"""The callback dialogue inside a call: a small state machine with no I/O.

``CallSession`` hands the call to a ``CallbackOffer`` in its DIALOGUE stage and
carries out the ``Reply`` of each step (``ivr.flow.dialogue``). Steps:

    CHOOSE ──1──▶ READBACK ──1──▶ DONE (requested: the promised window is said)
      │2/silence     │2  ▲ valid
      ▼              ▼   │
    declined       KEYING ──invalid──▶ KEYING (« Ce numéro n'est pas valide »)

CHOOSE is asked only when the department is closed (« Tapez 1 pour être rappelé dès
la réouverture, 2 pour laisser un message »). READBACK reads the number in digit
pairs, the way French numbers are said; a hidden or unusable caller ID goes straight
to KEYING. Declining, too many failures or no opening to promise end it with a
``Fallback`` (the session decides where the call goes).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from ivr.domain import hours
from ivr.domain.callback_offers import NoOpening, Offer, OfferParams, promised_window
from ivr.domain.outcomes import ContactOutcome
from ivr.domain.phone_numbers import check_number, spoken_digits
from ivr.domain.prompt_texts import Prompt, Text
from ivr.flow import commands as c
from ivr.flow.dialogue import Fallback, Finish, Reply
from ivr.rules import Rules

NUMBER_LENGTH = 10  # a French number keyed without its country code: 0X XX XX XX XX
CHOICES = {
    "voicemail": "Pour être rappelé dès la réouverture, tapez 1. "
                 "Pour laisser un message, tapez 2.",
    "message": "Pour être rappelé dès la réouverture, tapez 1. "
               "Pour terminer l'appel, tapez 2.",
}


class Step(StrEnum):
    CHOOSE = "choose"
    READBACK = "readback"
    KEYING = "keying"
    DONE = "done"


@dataclass
class CallbackOffer:
    """One callback dialogue for ``target``; ``caller`` is the presented caller ID;
    ``closed_path`` (voicemail|message), on the way to a closed department, asks 1/2 first."""

    name: ClassVar[str] = "callback"
    rules: Rules
    target: str
    caller: str | None
    closed_path: str | None = None
    step: Step = Step.READBACK
    number: str | None = None  # E.164 being confirmed
    digits: str = ""
    failures: int = 0

    def start(self, at: datetime) -> Reply:
        """Open the dialogue."""
        try:
            self._offer(at)
        except NoOpening:
            return self._end(at, "unavailable")
        if self.closed_path in CHOICES:
            self.step = Step.CHOOSE
            return Reply((Text(CHOICES[self.closed_path]),), self._timeout)
        return self._readback_or_keying(self.caller, at)

    def digit(self, digit: str, at: datetime) -> Reply:
        """One key from the caller."""
        if self.step == Step.CHOOSE:
            return self._chosen(digit, at)
        if self.step == Step.READBACK:
            return self._confirmed(digit, at)
        if self.step == Step.KEYING:
            return self._keyed(digit, at)
        return Reply()

    def timeout(self, at: datetime) -> Reply:
        """No key before the input timer."""
        if self.step == Step.CHOOSE:
            return self._end(at, "declined")
        if self.step == Step.KEYING and self.digits:
            return self._check_keyed(at)
        return self._retry(at, Prompt("no-input"))

    def answered(self, result: object, at: datetime) -> Reply:
        """Never asked: the promise is computed from the rules alone."""
        return Reply()

    def recorded(self, name: str | None, seconds: float, at: datetime) -> Reply:
        """Never records: the number is keyed."""
        return Reply()

    # -- steps ---------------------------------------------------------------------

    def _chosen(self, digit: str, at: datetime) -> Reply:
        if digit == "1":
            return self._readback_or_keying(self.caller, at)
        if digit == "2":
            return self._end(at, "declined")
        return self._retry(at, Prompt("invalid"))

    def _confirmed(self, digit: str, at: datetime) -> Reply:
        if digit == "1" and self.number:
            return self._accept(self.number, at)
        if digit == "2":
            return self._keying()
        return self._retry(at, Prompt("invalid"))

    def _keyed(self, digit: str, at: datetime) -> Reply:
        if digit == "*":  # start the number again
            self.digits = ""
            return self._keying()
        if digit != "#":
            self.digits += digit
        if digit == "#" or len(self.digits) >= NUMBER_LENGTH:
            return self._check_keyed(at)
        return Reply(listen=self._timeout)

    def _check_keyed(self, at: datetime) -> Reply:
        keyed, self.digits = self.digits, ""
        checked = check_number(keyed)
        rec = self._record(at, "callback_number_keyed", ok=checked.ok, reason=checked.reason)
        reply = (self._readback_or_keying(keyed, at) if checked.ok
                 else self._retry(at, Prompt("callback-invalid-number")))
        return replace(reply, commands=(rec, *reply.commands))

    def _readback_or_keying(self, number: str | None, at: datetime) -> Reply:
        checked = check_number(number)
        if not checked.ok:
            return self._keying()
        self.step, self.number = Step.READBACK, checked.e164
        return Reply((Prompt("callback-confirm-number"),
                      Text(spoken_digits(checked.e164 or ""))), self._timeout)

    def _keying(self) -> Reply:
        self.step, self.digits = Step.KEYING, ""
        return Reply((Prompt("callback-enter-number"),), self._timeout)

    def _accept(self, number: str, at: datetime) -> Reply:
        offer = self._offer(at)
        self.step = Step.DONE
        request = c.RequestCallback(at, self.target, number, offer.due_at, offer.promised_before,
                                    self.rules.callbacks.max_attempts)
        return Reply((Text(f"C'est noté. {offer.sentence}"), Text(self.rules.messages.goodbye)),
                     commands=(self._record(at, "callback_accepted", target=self.target), request),
                     end=Finish(ContactOutcome.CALLBACK_REQUESTED, "callback_requested"))

    def _retry(self, at: datetime, why: Prompt) -> Reply:
        """Say why and ask again, up to ``input.retries`` times."""
        self.failures += 1
        if self.failures > self.rules.input.retries:
            return self._end(at, "gave_up")
        if self.step == Step.KEYING:
            return Reply((why, Prompt("callback-enter-number")), self._timeout)
        if self.step == Step.READBACK:
            return Reply((why, Prompt("callback-confirm-number"),
                          Text(spoken_digits(self.number or ""))), self._timeout)
        return Reply((why,), self._timeout)

    def _end(self, at: datetime, why: str) -> Reply:
        """Not requested (declined, gave_up, unavailable): the session's usual path."""
        self.step = Step.DONE
        return Reply(commands=(self._record(at, f"callback_{why}"),), end=Fallback(why))

    # -- helpers -------------------------------------------------------------------

    def _offer(self, at: datetime) -> Offer:
        return promised_window(OfferParams.from_rules(self.rules), self.target, at,
                               lambda target, moment: hours.status(self.rules, target, moment))

    def _record(self, at: datetime, kind: str, **data: object) -> c.ContactEvent:
        return c.ContactEvent(at, kind, {"target": self.target, **data})

    @property
    def _timeout(self) -> float:
        return float(self.rules.input.digit_timeout)
