"""The subscriptions dialogue (menu action ``subscriptions``): a small machine, no I/O.

    CONFIRM ──1──▶ (ask lists) ──▶ LISTS ──n──▶ CONSENT ──1──▶ (ask to save) ──▶ LISTS
       │2/no number                  │#              │2 ─────────────────────────▶ LISTS
       ▼                             ▼
    Fallback (a person helps)     ToMainMenu

The caller's number is read back first (subscriptions belong to a number); the lists
come from the store with the caller's state on each (``SubscriptionLists``). Choosing
a list reads the consent sentence for subscribing or unsubscribing; the key the caller
presses is recorded with that sentence, the call and the instant as the proof
(``SetSubscription``). A store that does not answer ends in ``Fallback``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from ivr.domain.phone_numbers import check_number, spoken_digits
from ivr.domain.prompt_texts import Text
from ivr.flow import commands as c
from ivr.flow.dialogue import Fallback, Reply, ToMainMenu
from ivr.flow.queries import Query, Unavailable
from ivr.rules import Rules

SUBSCRIBE = ("En tapant 1, vous acceptez de recevoir par SMS les messages de la liste "
             "« {label} » de la mairie. Vous pourrez vous désinscrire à tout moment en "
             "répondant STOP. Pour annuler, tapez 2.")
UNSUBSCRIBE = ("En tapant 1, vous ne recevrez plus les messages de la liste « {label} ». "
               "Pour annuler, tapez 2.")


@dataclass(frozen=True)
class ListState:
    name: str
    label: str
    subscribed: bool


@dataclass(frozen=True)
class SubscriptionLists(Query):
    """The information lists, with whether ``number`` (E.164) is subscribed to each."""

    number: str


@dataclass(frozen=True)
class SetSubscription(Query):
    """Record a subscription change by phone; ``wording`` and ``key`` are the proof."""

    number: str
    name: str
    subscribed: bool
    wording: str
    key: str
    call_id: str
    at: datetime


class Step(StrEnum):
    CONFIRM = "confirm"
    LISTS = "lists"
    CONSENT = "consent"
    WAITING = "waiting"
    DONE = "done"


@dataclass
class SubscriptionsDialogue:
    """Manage the caller's subscriptions by keypad, with consent recorded as proof."""

    name: ClassVar[str] = "subscriptions"
    rules: Rules
    call_id: str
    caller: str | None
    step: Step = Step.CONFIRM
    number: str | None = None
    lists: tuple[ListState, ...] = ()
    chosen: ListState | None = None
    failures: int = 0

    def start(self, at: datetime) -> Reply:
        """Read the caller's number back, or hand over when there is none."""
        checked = check_number(self.caller)
        if not checked.ok or checked.e164 is None:
            return self._end(at, "no_number")
        self.number = checked.e164
        return Reply((Text("Vous allez gérer vos abonnements aux informations de la mairie "
                           "pour le numéro"), Text(spoken_digits(checked.e164)),
                      Text("Tapez 1 pour confirmer, 2 pour parler à un agent.")),
                     self._timeout)

    def digit(self, digit: str, at: datetime) -> Reply:
        """One key from the caller."""
        if self.step == Step.CONFIRM:
            if digit == "1" and self.number:
                return self._ask_lists()
            return self._end(at, "declined") if digit == "2" else self._retry(at)
        if self.step == Step.LISTS:
            return self._list_chosen(digit, at)
        if self.step == Step.CONSENT:
            return self._consent(digit, at)
        return Reply()

    def timeout(self, at: datetime) -> Reply:
        """No key: ask again (up to the rules' retries)."""
        if self.step in (Step.WAITING, Step.DONE):
            return Reply()
        return self._retry(at)

    def answered(self, result: object, at: datetime) -> Reply:
        """The lists, or the subscription saved."""
        if isinstance(result, Unavailable):
            return self._end(at, f"store_{result.why}")
        if isinstance(result, tuple):
            self.lists = tuple(item for item in result if isinstance(item, ListState))
            return self._menu()
        return self._ask_lists(Text("C'est noté."))

    def recorded(self, name: str | None, seconds: float, at: datetime) -> Reply:
        """Never records: everything is keyed."""
        return Reply()

    # -- steps ---------------------------------------------------------------------

    def _ask_lists(self, *before: Text) -> Reply:
        self.step = Step.WAITING
        assert self.number is not None
        return Reply(before, ask=SubscriptionLists(self.number))

    def _menu(self) -> Reply:
        self.step, self.chosen = Step.LISTS, None
        if not self.lists:
            return Reply((Text("Aucune liste d'information n'est proposée pour l'instant."),),
                         end=ToMainMenu())
        lines = [f"Liste {n} : {item.label}, "
                 + ("vous êtes abonné." if item.subscribed else "vous n'êtes pas abonné.")
                 for n, item in enumerate(self.lists[:9], start=1)]
        return Reply((*(Text(line) for line in lines),
                      Text("Tapez le numéro d'une liste pour changer votre abonnement, "
                           "ou dièse pour terminer.")), self._timeout)

    def _list_chosen(self, digit: str, at: datetime) -> Reply:
        if digit == "#":
            self.step = Step.DONE
            return Reply((Text("Merci."),), commands=(self._record(at, "subscriptions_done"),),
                         end=ToMainMenu())
        if not digit.isdigit() or not 1 <= int(digit) <= min(9, len(self.lists)):
            return self._retry(at)
        self.chosen, self.step = self.lists[int(digit) - 1], Step.CONSENT
        return Reply((Text(self._wording()),), self._timeout)

    def _consent(self, digit: str, at: datetime) -> Reply:
        if digit == "2":
            return self._menu()
        if digit != "1" or self.chosen is None or self.number is None:
            return self._retry(at)
        self.step = Step.WAITING
        change = SetSubscription(self.number, self.chosen.name, not self.chosen.subscribed,
                                 self._wording(), digit, self.call_id, at)
        return Reply(commands=(self._record(at, "subscription_changed", list=self.chosen.name,
                                            subscribed=change.subscribed),), ask=change)

    def _wording(self) -> str:
        assert self.chosen is not None
        template = UNSUBSCRIBE if self.chosen.subscribed else SUBSCRIBE
        return template.format(label=self.chosen.label)

    def _retry(self, at: datetime) -> Reply:
        self.failures += 1
        if self.failures > self.rules.input.retries:
            return self._end(at, "gave_up")
        if self.step == Step.LISTS:
            return self._menu()
        if self.step == Step.CONSENT:
            return Reply((Text(self.rules.messages.invalid), Text(self._wording())),
                         self._timeout)
        return Reply((Text(self.rules.messages.invalid),
                      Text("Tapez 1 pour confirmer, 2 pour parler à un agent.")), self._timeout)

    def _end(self, at: datetime, why: str) -> Reply:
        self.step = Step.DONE
        return Reply(commands=(self._record(at, f"subscriptions_{why}"),), end=Fallback(why))

    def _record(self, at: datetime, kind: str, **data: object) -> c.ContactEvent:
        return c.ContactEvent(at, kind, dict(data))

    @property
    def _timeout(self) -> float:
        return float(self.rules.input.digit_timeout)
