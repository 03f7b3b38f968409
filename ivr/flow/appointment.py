"""The appointment dialogue inside a call: book, cancel or move, with no I/O.

Steps (each question is asked outside the call: ``FreeSlot``, ``Book``, ``Lookup``,
``Cancel``, ``Move``; the store answers)::

    CALENDAR ─1..8─▶ MOTIVE ─1..8─▶ OFFER ─1─▶ booked: the reference read back
        │9              (skipped when   │2 the next slot, 3 the next day
        ▼               one motive)     └── taken meanwhile: the next free one at once
    REFERENCE (10 digits) ─▶ MANAGE ─1─▶ cancelled
                                    └─2─▶ OFFER (the new slot moves it; the old one
                                          is kept when the new one is taken)

Slots are offered one at a time in natural French (« mardi 8 décembre à 14 heures
30 : tapez 1 pour le réserver, 2 pour le créneau suivant, 3 pour un autre jour »).
The caller's number identifies the citizen; cancelling or moving needs the reference
and the same number. Silence, too many wrong keys, an unanswered question or no
free slot end with a ``Fallback`` (a person).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, ClassVar

from ivr.appointments.slots import next_day, spoken_slot
from ivr.domain.outcomes import ContactOutcome
from ivr.domain.phone_numbers import check_number, spoken_digits
from ivr.domain.prompt_texts import Text
from ivr.flow import commands as c
from ivr.flow.dialogue import Fallback, Finish, Reply
from ivr.flow.queries import Query, Unavailable
from ivr.rules import Rules
from ivr.rules.appointments import AppointmentCalendar

if TYPE_CHECKING:  # ivr.flow.dialogues imports this module to register its opener
    from ivr.flow.dialogues import Opening

REFERENCE_LENGTH = 10
MANAGE_KEY = "9"
OFFER = "Tapez 1 pour le réserver, 2 pour le créneau suivant, 3 pour un autre jour."
WITHHELD = ("Votre numéro de téléphone est masqué : nous ne pouvons pas prendre de "
            "rendez-vous par téléphone sans lui. Un conseiller va vous aider.")
UNUSABLE_NUMBER = ("Nous ne pouvons pas prendre de rendez-vous par téléphone avec ce numéro. "
                   "Un conseiller va vous aider.")


# -- questions asked outside the call, and their answers ---------------------------

@dataclass(frozen=True)
class FreeSlot(Query):
    """The first free slot of ``calendar`` after ``after`` (None: from now)."""

    rules: Rules = field(compare=False, repr=False)  # the call's
    calendar: str
    now: datetime
    after: datetime | None = None


@dataclass(frozen=True)
class Book(Query):
    """Book ``start`` for the caller."""

    rules: Rules = field(compare=False, repr=False)  # the call's
    calendar: str
    motive: str
    start: datetime
    caller: str | None
    call_id: str
    at: datetime


@dataclass(frozen=True)
class Lookup(Query):
    """The caller's appointment keyed as ``reference`` (checked against their number)."""

    rules: Rules = field(compare=False, repr=False)  # the call's
    reference: str
    caller: str | None
    at: datetime


@dataclass(frozen=True)
class Cancel(Lookup):
    """Cancel the caller's appointment."""


@dataclass(frozen=True)
class Move(Lookup):
    """Move the caller's appointment to ``start``."""

    start: datetime | None = None


@dataclass(frozen=True)
class Slot:
    """Answer to ``FreeSlot``: the slot, or None when the horizon is full."""

    start: datetime | None


@dataclass(frozen=True)
class Booked:
    """Answer to ``Book`` and ``Move``: done."""

    reference: str
    start: datetime


@dataclass(frozen=True)
class Taken:
    """Answer to ``Book`` and ``Move``: someone was faster; the next free slot."""

    next_free: datetime | None


@dataclass(frozen=True)
class Found:
    """Answer to ``Lookup``."""

    reference: str
    calendar: str
    start: datetime


@dataclass(frozen=True)
class Cancelled:
    start: datetime


@dataclass(frozen=True)
class Refused:
    """Any refusal, with the French sentence to say (too many, not yours, unknown…)."""

    message: str


class Step(StrEnum):
    CALENDAR = "calendar"
    MOTIVE = "motive"
    OFFER = "offer"
    REFERENCE = "reference"
    MANAGE = "manage"
    WAIT = "wait"  # a question is out
    DONE = "done"


@dataclass
class AppointmentDialogue:
    """One appointment dialogue; ``caller`` is the presented caller ID."""

    name: ClassVar[str] = "appointment"
    rules: Rules
    call_id: str
    caller: str | None
    step: Step = Step.CALENDAR
    calendar: str | None = None
    motive: str | None = None
    slot: datetime | None = None
    reference: str | None = None  # the appointment being moved or cancelled
    digits: str = ""
    failures: int = 0
    asked: Query | None = field(default=None, repr=False)

    def start(self, at: datetime) -> Reply:
        """Open the dialogue: which calendar, or 9 to manage an appointment. A caller
        whose number is withheld or unusable is put through to a person: the number is
        what limits each citizen's bookings and proves an appointment is theirs."""
        number = check_number(self.caller)
        if not number.ok:
            return self._end(at, f"number:{number.reason}",
                             WITHHELD if number.reason == "hidden" else UNUSABLE_NUMBER)
        return self._ask_calendar(())

    def digit(self, digit: str, at: datetime) -> Reply:
        """One key from the caller."""
        handler = {Step.CALENDAR: self._calendar_key, Step.MOTIVE: self._motive_key,
                   Step.OFFER: self._offer_key, Step.REFERENCE: self._reference_key,
                   Step.MANAGE: self._manage_key}.get(self.step)
        return handler(digit, at) if handler else Reply()

    def timeout(self, at: datetime) -> Reply:
        """No key: the keyed reference is complete, or say it again."""
        if self.step == Step.REFERENCE and self.digits:
            return self._lookup(at)
        return self._retry(at, "Nous n'avons pas entendu votre choix.")

    def answered(self, result: object, at: datetime) -> Reply:
        """The store's answer to the question out."""
        asked, self.asked = self.asked, None
        if isinstance(result, Unavailable):
            return self._end(at, f"unavailable:{result.why}",
                             "Les agendas sont momentanément indisponibles.")
        if isinstance(result, Refused):
            return self._end(at, "refused", result.message)
        if isinstance(result, Slot):
            return self._offer(result.start, at, ())
        if isinstance(result, Taken):
            return self._offer(result.next_free, at, (
                Text("Ce créneau vient d'être réservé par quelqu'un d'autre."),),
                event=("appointment_taken", {"next": _iso(result.next_free)}))
        if isinstance(result, Booked):
            return self._booked(result, isinstance(asked, Move), at)
        if isinstance(result, Found):
            return self._found(result, at)
        if isinstance(result, Cancelled):
            return self._done(at, "appointment_cancelled", (
                Text(f"Votre rendez-vous du {spoken_slot(result.start, self.rules)} "
                     "est annulé. Le créneau est libéré."),))
        return self._end(at, "unexpected_answer", "Une erreur est survenue.")

    def recorded(self, name: str | None, seconds: float, at: datetime) -> Reply:
        """Never asked: nothing is recorded in a booking."""
        return Reply()

    # -- steps ---------------------------------------------------------------------

    def _ask_calendar(self, before: tuple[Text, ...]) -> Reply:
        self.step = Step.CALENDAR
        names = [f"Pour prendre rendez-vous avec {cal.spoken_name}, tapez {i}."
                 for i, cal in enumerate(self.rules.appointments.calendars.values(), 1)]
        names.append(f"Pour annuler ou déplacer un rendez-vous, tapez {MANAGE_KEY}.")
        return Reply((*before, Text(" ".join(names))), self._timeout)

    def _calendar_key(self, digit: str, at: datetime) -> Reply:
        if digit == MANAGE_KEY:
            self.step, self.digits = Step.REFERENCE, ""
            return Reply((Text("Tapez les dix chiffres de la référence de votre rendez-vous."),),
                         self._timeout)
        ids = list(self.rules.appointments.calendars)
        if not digit.isdigit() or not 1 <= int(digit) <= len(ids):
            return self._retry(at, "Ce choix n'est pas disponible.")
        self.calendar, self.failures = ids[int(digit) - 1], 0
        motives = self._cal.motives
        if len(motives) == 1:
            self.motive = next(iter(motives))
            return self._search(at, None)
        self.step = Step.MOTIVE
        return Reply((self._motive_menu(),), self._timeout)

    def _motive_menu(self) -> Text:
        labels = self._cal.motives.values()
        parts = [f"Pour {label}, tapez {i}." for i, label in enumerate(labels, 1)]
        return Text("Quel est l'objet de votre rendez-vous ? " + " ".join(parts))

    def _motive_key(self, digit: str, at: datetime) -> Reply:
        motives = list(self._cal.motives)
        if not digit.isdigit() or not 1 <= int(digit) <= len(motives):
            return self._retry(at, "Ce choix n'est pas disponible.")
        self.motive, self.failures = motives[int(digit) - 1], 0
        return self._search(at, None)

    def _search(self, at: datetime, after: datetime | None) -> Reply:
        assert self.calendar is not None
        return self._question(FreeSlot(self.rules, self.calendar, at, after),
                              "Je cherche un créneau libre.")

    def _offer(self, start: datetime | None, at: datetime, before: tuple[Text, ...],
               event: tuple[str, dict[str, object]] | None = None) -> Reply:
        commands = (c.ContactEvent(at, event[0], event[1]),) if event else ()
        if start is None:
            reply = self._end(at, "no_slot", "Il n'y a plus de créneau libre dans cet agenda "
                              "pour les semaines à venir.")
            return Reply(reply.say, commands=(*commands, *reply.commands), end=reply.end)
        self.step, self.slot = Step.OFFER, start
        offered = c.ContactEvent(at, "appointment_offered", {"calendar": self.calendar,
                                                             "start": start.isoformat()})
        return Reply((*before, Text(f"{spoken_slot(start, self.rules)}. {OFFER}")),
                     self._timeout, commands=(*commands, offered))

    def _offer_key(self, digit: str, at: datetime) -> Reply:
        assert self.calendar is not None and self.slot is not None
        if digit == "1":
            query: Query = (Move(self.rules, self.reference, self.caller, at, self.slot)
                            if self.reference
                            else Book(self.rules, self.calendar, self.motive or "", self.slot,
                                      self.caller, self.call_id, at))
            return self._question(query, "Je réserve ce créneau.")
        if digit == "2":
            return self._search(at, self.slot)
        if digit == "3":
            return self._search(at, next_day(self.slot, self.rules))
        return self._retry(at, "Ce choix n'est pas disponible.")

    def _booked(self, booked: Booked, moved: bool, at: datetime) -> Reply:
        pairs = spoken_digits(booked.reference)
        what = "déplacé" if moved else "réservé"
        return self._done(at, "appointment_moved" if moved else "appointment_booked", (
            Text(f"C'est {what} : {spoken_slot(booked.start, self.rules)}, "
                 f"avec {self._cal.spoken_name}."),
            Text(f"Votre référence est le {pairs}. Je répète : {pairs}."),
            Text("Gardez-la : elle vous servira à annuler ou déplacer ce rendez-vous."),
        ), reference=booked.reference, start=booked.start.isoformat())

    def _reference_key(self, digit: str, at: datetime) -> Reply:
        if digit == "*":
            self.digits = ""
            return Reply(listen=self._timeout)
        if digit != "#":
            self.digits += digit
        if digit == "#" or len(self.digits) >= REFERENCE_LENGTH:
            return self._lookup(at)
        return Reply(listen=self._timeout)

    def _lookup(self, at: datetime) -> Reply:
        keyed, self.digits = self.digits, ""
        return self._question(Lookup(self.rules, keyed, self.caller, at),
                              "Je recherche votre rendez-vous.")

    def _found(self, found: Found, at: datetime) -> Reply:
        self.step, self.reference, self.calendar = Step.MANAGE, found.reference, found.calendar
        return Reply((Text(f"Votre rendez-vous du {spoken_slot(found.start, self.rules)} avec "
                           f"{self._cal.spoken_name}. Pour l'annuler, tapez 1. "
                           "Pour le déplacer, tapez 2."),), self._timeout)

    def _manage_key(self, digit: str, at: datetime) -> Reply:
        assert self.reference is not None
        if digit == "1":
            return self._question(Cancel(self.rules, self.reference, self.caller, at),
                                  "Un instant.")
        if digit == "2":
            return self._search(at, None)
        return self._retry(at, "Ce choix n'est pas disponible.")

    # -- helpers -------------------------------------------------------------------

    def _question(self, query: Query, wait: str) -> Reply:
        self.step, self.asked = Step.WAIT, query
        return Reply((Text(wait),), ask=query)

    def _retry(self, at: datetime, why: str) -> Reply:
        self.failures += 1
        if self.failures > self.rules.input.retries:
            return self._end(at, "gave_up", None)
        again = {Step.CALENDAR: lambda: self._ask_calendar((Text(why),)).say,
                 Step.MOTIVE: lambda: (Text(why), self._motive_menu())}.get(self.step)
        if again is not None:
            return Reply(again(), self._timeout)
        if self.step == Step.OFFER and self.slot is not None:
            return Reply((Text(why), Text(f"{spoken_slot(self.slot, self.rules)}. {OFFER}")),
                         self._timeout)
        return Reply((Text(why),), self._timeout)

    def _done(self, at: datetime, kind: str, say: tuple[Text, ...], **data: object) -> Reply:
        self.step = Step.DONE
        return Reply((*say, Text(self.rules.messages.goodbye)),
                     commands=(c.ContactEvent(at, kind, {"calendar": self.calendar, **data}),),
                     end=Finish(ContactOutcome.APPOINTMENT, kind))

    def _end(self, at: datetime, why: str, say: str | None) -> Reply:
        """Not done (refused, no slot, gave up, store away): a person takes over."""
        self.step = Step.DONE
        return Reply((Text(say),) if say else (),
                     commands=(c.ContactEvent(at, "appointment_not_done", {"why": why}),),
                     end=Fallback(why))

    @property
    def _cal(self) -> AppointmentCalendar:
        assert self.calendar is not None
        return self.rules.appointments.calendars[self.calendar]

    @property
    def _timeout(self) -> float:
        return float(self.rules.input.digit_timeout)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def open_appointment(opening: Opening) -> AppointmentDialogue:
    """The ``appointment`` menu action (and the spoken intent ``rendez-vous``)."""
    return AppointmentDialogue(opening.rules, opening.call_id, opening.caller)
