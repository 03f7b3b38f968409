"""Launching a flood alert by telephone: a small state machine with no I/O.

The mayor or the crisis cell calls the crisis line (``crisis_line.numbers`` in the
rules, or a menu option ``action: alert_launch``)::

    PIN ──#──▶ CHECKING ──ok──▶ CHOOSE ──1..8──▶ REVIEW ──1 / 3──▶ LAUNCHING ──▶ told, goodbye
     ▲            │ wrong          │ 9 (or none prepared)  ▲ │2       │ one already runs
     └────────────┘                ▼                       │ ▼       ▼
       (three wrong: goodbye)    RECORD ──recorded─────────┘ CHOOSE  SECOND ──1──▶ LAUNCHING

The PIN is checked by the store (``CheckCrisisPin``), which audits every failure and
refuses every PIN for a while after a burst of them; it is never put in a contact
event. In REVIEW the caller hears the message back (the prepared text, or their own
recording) and launches it for real (1) or as a test that calls the crisis cell only
(3). ``LaunchAlert`` creates and starts the campaign; a campaign already running is
refused unless the caller confirms a second one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import ClassVar, Literal

from ivr.domain.outcomes import ContactOutcome
from ivr.domain.prompt_texts import Prompt, Recording, Text
from ivr.flow import commands as c
from ivr.flow.dialogue import Finish, Listen, Reply
from ivr.flow.queries import Query, Unavailable

MAX_PIN_FAILURES = 3
MAX_PIN_LENGTH = 12
MAX_PREPARED = 8  # keys 1-8; 9 records a new message
RECORD_KEY = "9"
MIN_RECORDING_SECONDS = 1.0
MAX_RECORD_TRIES = 2
RECORDING = Listen(max_seconds=120, silence_seconds=4)
LISTEN_SECONDS = 10.0


@dataclass(frozen=True)
class CheckCrisisPin(Query):
    """Is ``pin`` the crisis line's PIN? Answered by ``PinChecked``; ``attempt`` is
    this call's count (the store audits each failure)."""

    call_id: str
    caller: str | None
    pin: str = field(repr=False)
    attempt: int
    at: datetime


@dataclass(frozen=True)
class PreparedMessage:
    """A campaign prepared in the admin (a draft), offered on the phone."""

    campaign_id: int
    title: str
    text: str | None


@dataclass(frozen=True)
class PinChecked:
    """The PIN's check; ``locked``: too many failures lately, every PIN is refused."""

    ok: bool
    prepared: tuple[PreparedMessage, ...] = ()
    locked: bool = False


@dataclass(frozen=True)
class LaunchAlert(Query):
    """Start a campaign: the prepared draft ``campaign_id``, or a new one of the
    caller's ``recording``; answered by ``AlertLaunched`` or ``AlertRefused``. Choosing
    the recipients and decoding the recording take longer than a usual question."""

    answer_within: ClassVar[float] = 30.0

    call_id: str
    caller: str | None
    campaign_id: int | None
    recording: str | None
    test_mode: bool
    confirm_second: bool
    at: datetime


@dataclass(frozen=True)
class AlertLaunched:
    campaign_id: int
    recipients: int
    test_mode: bool


@dataclass(frozen=True)
class AlertRefused:
    """``running``: another campaign runs (a second needs confirming); ``gone``: the
    prepared draft was launched meanwhile, or the recording is unusable; ``refused``:
    the store said why (« Personne à appeler… »), in ``message``."""

    reason: Literal["running", "gone", "refused"]
    running: str | None = None  # the running campaign's title
    message: str | None = None


class Step(StrEnum):
    PIN = "pin"
    CHECKING = "checking"
    CHOOSE = "choose"
    RECORD = "record"
    REVIEW = "review"
    SECOND = "second"
    LAUNCHING = "launching"
    DONE = "done"


@dataclass
class AlertLaunchDialogue:
    """One call to the crisis line."""

    name: ClassVar[str] = "alert_launch"
    call_id: str
    caller: str | None
    step: Step = Step.PIN
    digits: str = field(default="", repr=False)
    failures: int = 0
    silences: int = 0
    record_tries: int = 0
    prepared: tuple[PreparedMessage, ...] = ()
    chosen: PreparedMessage | None = None
    recording: str | None = None
    test_mode: bool = False

    def start(self, at: datetime) -> Reply:
        """Ask for the PIN."""
        return Reply((Prompt("alert-launch-pin"),), LISTEN_SECONDS,
                     commands=(self._event(at, "alert_line"),))

    def digit(self, digit: str, at: datetime) -> Reply:
        """A key: the PIN's, a message's, or the review's choice."""
        if self.step == Step.PIN:
            return self._pin_key(digit, at)
        self.silences = 0
        if self.step == Step.CHOOSE:
            return self._chosen(digit, at)
        if self.step == Step.REVIEW:
            return self._reviewed(digit, at)
        if self.step == Step.SECOND:
            return self._launch(at, confirm_second=True) if digit == "1" else self._goodbye(
                at, "alert_second_declined")
        return Reply()

    def timeout(self, at: datetime) -> Reply:
        """Silence: a PIN keyed without ``#`` is checked; else the question again, twice."""
        if self.step == Step.PIN and self.digits:
            return self._check(at)
        self.silences += 1
        if self.silences > 2 or self.step not in (Step.PIN, Step.CHOOSE, Step.REVIEW):
            return self._goodbye(at, "alert_no_input")
        return self._question()

    def answered(self, result: object, at: datetime) -> Reply:
        """The PIN's check or the launch."""
        if isinstance(result, Unavailable):
            return Reply((Prompt("alert-launch-unavailable"),), commands=(
                self._event(at, "alert_unavailable", step=self.step.value),),
                end=Finish(ContactOutcome.INFO, "alert_unavailable"))
        if self.step == Step.CHECKING and isinstance(result, PinChecked):
            return self._pin_checked(result, at)
        if self.step == Step.LAUNCHING and isinstance(result, AlertLaunched):
            return self._launched(result, at)
        if self.step == Step.LAUNCHING and isinstance(result, AlertRefused):
            return self._refused(result, at)
        return Reply()

    def recorded(self, name: str | None, seconds: float, at: datetime) -> Reply:
        """The caller's message: heard back, or recorded again when nothing was said."""
        if self.step != Step.RECORD:
            return Reply()
        self.record_tries += 1
        if name is None or seconds < MIN_RECORDING_SECONDS:
            if self.record_tries >= MAX_RECORD_TRIES:
                return self._goodbye(at, "alert_recording_empty")
            return Reply((Prompt("alert-launch-nothing-heard"), Prompt("alert-launch-record")),
                         record=RECORDING)
        self.recording, self.chosen, self.step = name, None, Step.REVIEW
        return Reply(self._review_say(), LISTEN_SECONDS, commands=(
            self._event(at, "alert_recorded", seconds=round(seconds, 1)),))

    # -- steps ---------------------------------------------------------------------

    def _pin_key(self, digit: str, at: datetime) -> Reply:
        if digit == "*":
            self.digits = ""
            return self._question()
        if digit != "#":
            self.digits += digit
        if digit == "#" or len(self.digits) >= MAX_PIN_LENGTH:
            return self._check(at)
        return Reply(listen=LISTEN_SECONDS)

    def _check(self, at: datetime) -> Reply:
        pin, self.digits, self.step = self.digits, "", Step.CHECKING
        return Reply(ask=CheckCrisisPin(self.call_id, self.caller, pin, self.failures + 1, at))

    def _pin_checked(self, result: PinChecked, at: datetime) -> Reply:
        if result.ok:
            self.prepared, self.silences = result.prepared[:MAX_PREPARED], 0
            ok = self._event(at, "alert_pin_ok", prepared=len(self.prepared))
            if not self.prepared:
                return self._record(ok)
            self.step = Step.CHOOSE
            return Reply(self._choices(), LISTEN_SECONDS, commands=(ok,))
        self.failures += 1
        wrong = self._event(at, "alert_pin_refused", count=self.failures, locked=result.locked)
        if result.locked or self.failures >= MAX_PIN_FAILURES:
            self.step = Step.DONE
            return Reply((Prompt("alert-launch-pin-refused"),), commands=(wrong,),
                         end=Finish(ContactOutcome.INFO, "alert_pin_refused"))
        self.step = Step.PIN
        return Reply((Prompt("alert-launch-pin-wrong"), Prompt("alert-launch-pin")),
                     LISTEN_SECONDS, commands=(wrong,))

    def _chosen(self, digit: str, at: datetime) -> Reply:
        if digit == RECORD_KEY:
            return self._record()
        index = int(digit) - 1 if digit.isdigit() else -1
        if not 0 <= index < len(self.prepared):
            return self._question()
        self.chosen, self.recording, self.step = self.prepared[index], None, Step.REVIEW
        return Reply(self._review_say(), LISTEN_SECONDS, commands=(
            self._event(at, "alert_prepared_chosen", campaign=self.chosen.campaign_id),))

    def _reviewed(self, digit: str, at: datetime) -> Reply:
        if digit in ("1", "3"):
            self.test_mode = digit == "3"
            return self._launch(at, confirm_second=False)
        if digit == "2":
            if self.prepared:
                self.step = Step.CHOOSE
                return Reply(self._choices(), LISTEN_SECONDS)
            return self._record()
        return self._question()

    def _record(self, *commands: c.Command) -> Reply:
        self.step = Step.RECORD
        return Reply((Prompt("alert-launch-record"),), commands=commands, record=RECORDING)

    def _launch(self, at: datetime, *, confirm_second: bool) -> Reply:
        self.step = Step.LAUNCHING
        campaign = self.chosen.campaign_id if self.chosen else None
        return Reply((Prompt("alert-launch-starting"),), ask=LaunchAlert(
            self.call_id, self.caller, campaign, self.recording, self.test_mode, confirm_second,
            at))

    def _launched(self, result: AlertLaunched, at: datetime) -> Reply:
        self.step = Step.DONE
        kind = "Essai lancé" if result.test_mode else "Alerte lancée"
        told = Text(f"{kind} : campagne numéro {result.campaign_id}, {result.recipients} "
                    "personnes à appeler.")
        return Reply((told, Prompt("alert-launch-follow")), commands=(
            self._event(at, "alert_launched", campaign=result.campaign_id,
                        recipients=result.recipients, test=result.test_mode),),
            end=Finish(ContactOutcome.INFO, "alert_launched"))

    def _refused(self, result: AlertRefused, at: datetime) -> Reply:
        if result.reason == "gone":
            return self._goodbye(at, "alert_prepared_gone", Prompt("alert-launch-gone"))
        if result.reason == "refused":
            return self._goodbye(at, "alert_refused", Text(result.message or ""))
        self.step = Step.SECOND
        running = Text(f"Une alerte est déjà en cours : {result.running or 'sans titre'}.")
        return Reply((running, Prompt("alert-launch-second")), LISTEN_SECONDS,
                     commands=(self._event(at, "alert_already_running"),))

    def _goodbye(self, at: datetime, why: str, *say: Prompt | Text) -> Reply:
        self.step = Step.DONE
        return Reply((*say, Prompt("alert-launch-goodbye")), commands=(self._event(at, why),),
                     end=Finish(ContactOutcome.INFO, why))

    # -- helpers -------------------------------------------------------------------

    def _question(self) -> Reply:
        """The current question again."""
        if self.step == Step.CHOOSE:
            return Reply(self._choices(), LISTEN_SECONDS)
        if self.step == Step.REVIEW:
            return Reply(self._review_say(), LISTEN_SECONDS)
        return Reply((Prompt("alert-launch-pin"),), LISTEN_SECONDS)

    def _choices(self) -> tuple[Prompt | Text, ...]:
        offers = [Text(f"Pour le message préparé « {m.title} », tapez {i}.")
                  for i, m in enumerate(self.prepared, start=1)]
        return (*offers, Prompt("alert-launch-record-key"))

    def _review_say(self) -> tuple[c.PromptItem, ...]:
        if self.recording is not None:
            heard: tuple[c.PromptItem, ...] = (Recording(self.recording),)
        else:
            assert self.chosen is not None
            heard = (Text(self.chosen.text or f"Message enregistré « {self.chosen.title} »."),)
        return (Prompt("alert-launch-review"), *heard, Prompt("alert-launch-confirm"))

    def _event(self, at: datetime, kind: str, **data: object) -> c.ContactEvent:
        return c.ContactEvent(at, kind, data)
