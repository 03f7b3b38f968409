"""The validated shape of ``routing_rules.yaml`` (frozen pydantic models).

Every model forbids unknown keys, so a typo in the file is an error with its line,
not a silently ignored setting. Shape, in brief (the default file documents each key)::

    version: 1
    town: {name, timezone: Europe/Paris, alsace_moselle: false}
    schedules: {<name>: {lundi: ["08:30-12:00", "13:30-17:30"], …, dimanche: []}}
    departments:
      <target id>:                      # e.g. etat-civil; the ids the call flow routes to
        name, spoken_name               # admin label; « Je vous mets en relation avec … »
        answered_by_ivr: false          # true for `horaires`: no queue, always "open"
        hours: <schedule name> | {lundi: […], …}
        queue: {strategy, ring_timeout, wrapup, max_wait, max_callers,
                announce_every, announce_position, music}
        members: [<agent id>]           # plus the agents naming the department
        overflow: voicemail | <target>  # when max_wait is reached
        when_closed: voicemail | message | <target>
        speech: {keywords: […], examples: […]}
    agents: {<agent id>: {name, departments: [<target>], contact: null | "sip:…"}}
    menus: {<menu id>: {intro: "…", options: {"1": {label, target | menu | action}}}}
    main_menu: <menu id>
    input: {digit_timeout, retries, fallback_target}
    messages: {welcome, …, transfer: "… {spoken_name}.", closed: "… {next_opening}."}
    calendar: {public_holidays: true, closures: [{date | from+to, reason, departments}],
               special_days: [{date, hours: […], reason, departments}]}
    speech: {enabled, mode: free | grammar, route_threshold, confirm_threshold}
    callbacks: {offer_after_wait, retry_spacing, max_attempts, promise_within,
                offer_when_closed}
    request_workflows: {<workflow id>: {initial, statuses: {<status id>: {…}}}}
    request_types: {<type id>: {label, department, delay, workflow, verification}}
    appointments: {max_future_per_citizen, calendars: {<calendar id>: {…}}}
    alerts: {crisis_cell: [{name, number}], help_department, help_request_type, …}

Request types and their workflows are described in ``ivr.rules.request_types``, the
appointment calendars in ``ivr.rules.appointments``.

A menu option has exactly one of ``target``, ``menu`` or ``action`` (``repeat``,
``operator``, ``hours``, ``back``, ``callback``, ``appointment``). ``*`` (repeat) and
``0`` (operator, i.e. ``input.fallback_target``) exist on every menu unless the menu redefines them.
References between sections are checked by ``ivr.rules.references``.
"""

from __future__ import annotations

import datetime as dt
import string
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ivr.domain.phone_numbers import to_e164
from ivr.domain.sip_uris import check_sip_contact
from ivr.rules.alerts import AlertSettings
from ivr.rules.appointments import AppointmentSettings
from ivr.rules.references import ReferenceProblems, check_references
from ivr.rules.request_types import RequestType, Workflow
from ivr.rules.times import Closure, DayHours, HoursRef, WeeklyHours

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$")]
Action = Literal["repeat", "operator", "hours", "back", "callback", "appointment", "complaint",
                 "suggestion", "subscriptions", "request_status", "document_request", "procedure",
                 "alert_launch"]
DIGIT_ORDER = "1234567890#*"  # the order in which a menu's options are spoken
_DIGIT_WORDS = {"*": "étoile", "#": "dièse"}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _digit_key(value: object) -> str:
    """A keypad key; YAML reads an unquoted ``1:`` as an integer, so accept that too."""
    key = str(value) if isinstance(value, int) else value
    if not isinstance(key, str) or len(key) != 1 or key not in DIGIT_ORDER:
        raise ValueError(f"{value!r} n'est pas une touche du clavier "
                         "(0-9, \"*\" ou \"#\", entre guillemets)")
    return key


Digit = Annotated[str, BeforeValidator(_digit_key)]


class Town(_Frozen):
    name: Text
    timezone: str = "Europe/Paris"
    alsace_moselle: bool = False  # adds Good Friday and 26 December (local law)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"fuseau horaire inconnu {value!r} (ex. : Europe/Paris)") from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class QueueSettings(_Frozen):
    """app_queue settings of one department (seconds)."""

    strategy: Literal["ringall", "leastrecent", "fewestcalls", "random", "rrmemory",
                      "linear", "wrandom"] = "ringall"
    ring_timeout: int = Field(default=20, gt=0)
    wrapup: int = Field(default=10, ge=0)
    max_wait: int = Field(default=300, gt=0)
    # callers in the queue beyond the agents ready to answer; the next overflows; 0: none
    max_callers: int = Field(default=10, ge=0)
    announce_every: int = Field(default=60, ge=0)  # 0: never announce
    announce_position: bool = True
    music: Text = "default"


class Vocabulary(_Frozen):
    """What callers say for a target, used by the intent matcher."""

    keywords: tuple[Text, ...] = ()
    examples: tuple[Text, ...] = ()


class IntentVocabulary(Vocabulary):
    """A self-service intent's words, plus its cues: words that alone route nowhere
    (« est-elle prête », « où en est ») but, heard with a keyword of a department that
    handles requests (« ma carte d'identité »), mean this intent rather than the
    department (the matcher's ``TargetVocabulary.cues``)."""

    cues: tuple[Text, ...] = ()


class Department(_Frozen):
    name: Text
    spoken_name: Text
    answered_by_ivr: bool = False
    hours: HoursRef | None = None
    queue: QueueSettings = QueueSettings()
    members: tuple[Identifier, ...] = ()
    overflow: Identifier = "voicemail"
    when_closed: Identifier = "voicemail"
    speech: Vocabulary = Vocabulary()


class Agent(_Frozen):
    name: Text
    departments: tuple[Identifier, ...] = ()
    # A static SIP URI (tests), or None: the phone registers. Checked here as provisioning
    # will render it, so a bad one is a ``file:line`` error, not a failed start.
    contact: Annotated[Text, AfterValidator(check_sip_contact)] | None = None


class MenuOption(_Frozen):
    label: Text
    target: Identifier | None = None
    menu: Identifier | None = None
    action: Action | None = None
    topic: Identifier | None = None  # the answer of a `procedure` action (self_service.procedures)

    @model_validator(mode="after")
    def _exactly_one(self) -> MenuOption:
        if sum(x is not None for x in (self.target, self.menu, self.action)) != 1:
            raise ValueError("une option a besoin d'un seul parmi target, menu ou action")
        if (self.topic is not None) != (self.action == "procedure"):
            raise ValueError("`topic` va avec `action: procedure`, et seulement avec elle")
        return self


BUILT_IN_OPTIONS: dict[str, MenuOption] = {
    "0": MenuOption(label="parler à un conseiller de l'accueil", action="operator"),
    "*": MenuOption(label="réécouter ce message", action="repeat"),
}


STAY_ON_LINE = "Pour un conseiller, restez en ligne."


class Menu(_Frozen):
    intro: Text | None = None
    options: dict[Digit, MenuOption]
    # « restez en ligne pour parler à un conseiller » instead of a key to remember: the
    # built-in 0 and * still work unsaid, and silence puts the caller through
    stay_on_line: bool = False

    def all_options(self) -> dict[str, MenuOption]:
        """The menu's options plus the built-in ``0`` and ``*``, in spoken order."""
        merged = {**BUILT_IN_OPTIONS, **self.options}
        return {digit: merged[digit] for digit in sorted(merged, key=DIGIT_ORDER.index)}

    def spoken_options(self) -> dict[str, MenuOption]:
        """The options the caller hears (the built-ins are unsaid on a stay-on-line menu)."""
        if not self.stay_on_line:
            return self.all_options()
        return {d: o for d, o in self.all_options().items()
                if d in self.options or d not in BUILT_IN_OPTIONS}

    def spoken_text(self) -> str:
        """The French sentence a caller hears: « Pour l'état civil, tapez 1. … »."""
        sentences = [self.intro] if self.intro else []
        sentences += [f"Pour {option.label}, tapez {_DIGIT_WORDS.get(digit, digit)}."
                      for digit, option in self.spoken_options().items()]
        if self.stay_on_line:
            sentences.append(STAY_ON_LINE)
        return " ".join(sentences)


class InputSettings(_Frozen):
    digit_timeout: int = Field(default=6, gt=0)  # seconds of silence before "no input"
    retries: int = Field(default=2, ge=0)  # failed attempts before the caller is put through
    fallback_target: Identifier = "accueil"


# The placeholders the call flow fills in each message; any other ``{…}`` is an error.
PLACEHOLDERS: dict[str, frozenset[str]] = {
    "transfer": frozenset({"spoken_name"}),
    "confirm": frozenset({"spoken_name"}),
    "closed": frozenset({"spoken_name", "next_opening"}),
}


class Messages(_Frozen):
    """French sentences said by the IVR (référentiel Marianne: courteous, informative)."""

    welcome: Text
    speech_prompt: Text
    invalid: Text
    no_input: Text
    not_understood: Text
    confirm: Text
    transfer: Text
    waiting: Text
    closed: Text
    voicemail: Text
    callback_offer: Text
    callback_confirmed: Text
    goodbye: Text

    @field_validator("*")
    @classmethod
    def _known_placeholders(cls, value: str, info: ValidationInfo) -> str:
        return check_template(value, PLACEHOLDERS.get(info.field_name or "", frozenset()))


def check_template(value: str, allowed: frozenset[str]) -> str:
    """Return ``value`` when it renders with just the ``allowed`` placeholders.

    Every message template of the rules goes through here: a placeholder may only be a
    bare name (no ``:d`` format spec, ``!r`` conversion, ``.attr`` or ``[index]``), and the
    template is rendered with sample values, so what is published renders at call time."""
    try:
        fields = [(n, spec, conv) for _, n, spec, conv in string.Formatter().parse(value)
                  if n is not None]
    except ValueError:
        raise ValueError("accolade mal placée : une variable s'écrit {nom}, "
                         "une accolade seule se double ({{ ou }})") from None
    known = ", ".join(f"{{{n}}}" for n in sorted(allowed)) or "aucune"
    for name, spec, conversion in fields:
        if spec or conversion:
            raise ValueError(f"la variable {{{name}}} s'écrit sans format (écrivez {{{name}}})")
        if name not in allowed:
            raise ValueError(f"variable inconnue {{{name}}} (permises ici : {known})")
    try:
        value.format(**{name: "exemple" for name in allowed})
    except (ValueError, KeyError, IndexError, AttributeError):
        raise ValueError("le texte ne peut pas être composé avec ses variables") from None
    return value


class SpecialDay(_Frozen):
    """A day with its own hours (e.g. 24 December), replacing the weekly ones."""

    date: dt.date
    hours: DayHours = ()
    reason: Text = "horaires exceptionnels"
    departments: tuple[Identifier, ...] | None = None


class Calendar(_Frozen):
    public_holidays: bool = True
    closures: tuple[Closure, ...] = ()
    special_days: tuple[SpecialDay, ...] = ()


class SpeechSettings(_Frozen):
    enabled: bool = True
    mode: Literal["free", "grammar"] = "free"
    route_threshold: float = Field(default=0.75, ge=0, le=1)
    confirm_threshold: float = Field(default=0.45, ge=0, le=1)

    @model_validator(mode="after")
    def _ordered(self) -> SpeechSettings:
        if self.confirm_threshold > self.route_threshold:
            raise ValueError("confirm_threshold ne doit pas dépasser route_threshold")
        return self


class CallbackSettings(_Frozen):
    offer_after_wait: int = Field(default=120, ge=0)  # seconds in queue before offering a callback
    retry_spacing: int = Field(default=600, gt=0)
    max_attempts: int = Field(default=3, gt=0)
    # seconds within which an open department promises to call back (« avant 11 h »)
    promise_within: int = Field(default=7200, gt=0)
    # closed department: « Tapez 1 pour être rappelé dès la réouverture » before its usual path
    offer_when_closed: bool = True


class SelfServiceIntent(_Frozen):
    """A spoken request answered by a dialogue (« où en est ma demande ») rather than a
    department: its words for the intent matcher and the menu action it opens."""

    action: Literal["request_status", "document_request"]
    speech: IntentVocabulary = IntentVocabulary()


class Procedure(_Frozen):
    """A short spoken answer about a procedure; its text is the catalogue prompt
    ``procedure-<id>`` (editable in the admin's prompts page), its department the one
    « pour parler au service, tapez 2 » leads to. With a ``link`` (the procedure's page),
    « pour recevoir le lien par SMS, tapez 3 » sends it to the caller's number."""

    department: Identifier
    link: Annotated[str, StringConstraints(pattern=r"^https://[^\s]+$", max_length=300)] | None \
        = None


class SelfServiceSettings(_Frozen):
    """Phone self-service: its spoken intents (their ids are targets of the intent
    matcher, printed by ``townhall-ivr route``) and the protection against guessing."""

    intents: dict[Identifier, SelfServiceIntent] = {}
    procedures: dict[Identifier, Procedure] = {}

    max_failures: int = Field(default=3, gt=0)  # failed references or checks: then a person
    window_hours: int = Field(default=24, gt=0)  # failures count over this sliding window
    lock_after: int = Field(default=3, gt=0)  # failed checks of one reference that lock it


def _public_number(value: str) -> str:
    e164 = to_e164(value)
    if e164 is None:
        raise ValueError(f"{value!r} n'est pas un numéro de téléphone")
    return e164


class PublicNumber(_Frozen):
    """One of the town hall's public numbers (DIDs): where its callers start."""

    menu: Identifier  # a direct line (the CCAS's, the crisis cell's) opens its own menu


class CrisisLine(_Frozen):
    """The dedicated numbers (dialled numbers or extensions) on which the mayor or the
    crisis cell launches a flood alert with a PIN (``ivr.flow.alert_launch``); the PIN
    itself is a secret of the instance (``townhall-ivr alerts set-pin``), never here."""

    numbers: tuple[Annotated[str, StringConstraints(pattern=r"^\+?[0-9A-Za-z_-]{1,32}$")],
                   ...] = ()


class Rules(_Frozen):
    """One complete, cross-checked routing configuration; never modified once built."""

    version: Literal[1]
    town: Town
    schedules: dict[Identifier, WeeklyHours] = {}
    departments: dict[Identifier, Department]
    agents: dict[Identifier, Agent] = {}
    menus: dict[Identifier, Menu]
    main_menu: Identifier
    input: InputSettings = InputSettings()
    messages: Messages
    calendar: Calendar = Calendar()
    speech: SpeechSettings = SpeechSettings()
    callbacks: CallbackSettings = CallbackSettings()
    self_service: SelfServiceSettings = SelfServiceSettings()
    request_workflows: dict[Identifier, Workflow] = {}
    request_types: dict[Identifier, RequestType] = {}
    appointments: AppointmentSettings = AppointmentSettings()
    alerts: AlertSettings = AlertSettings()
    # the public numbers with their own entry (E.164 keys); others start at main_menu
    numbers: dict[Annotated[str, AfterValidator(_public_number)], PublicNumber] = {}
    crisis_line: CrisisLine = CrisisLine()

    @model_validator(mode="after")
    def _references(self) -> Rules:
        problems = check_references(self)
        if problems:
            raise ReferenceProblems(problems)
        return self

    def entry_menu(self, called: str | None) -> str:
        """The menu a caller of ``called`` starts in: its number's entry, else main_menu.

        The operator may write the number ``+33…``, ``33…`` or ``0…``.
        """
        if not self.numbers:  # parsing a number costs more than the rest of a call's start
            return self.main_menu
        for form in (called, f"+{called}") if called else ():
            e164 = to_e164(form)
            if e164 in self.numbers:
                return self.numbers[e164].menu
        return self.main_menu

    def weekly_hours(self, target: str) -> WeeklyHours | None:
        """The weekly hours of a department, its schedule name resolved."""
        hours = self.departments[target].hours
        return self.schedules[hours] if isinstance(hours, str) else hours

    def availability(self, calendar: str) -> WeeklyHours:
        """The weekly availability of an appointment calendar, its schedule name resolved."""
        hours = self.appointments.calendars[calendar].hours
        return self.schedules[hours] if isinstance(hours, str) else hours

    def queue_members(self, target: str) -> tuple[str, ...]:
        """Agents answering ``target``: its ``members`` and agents listing it."""
        listed = self.departments[target].members
        extra = [a for a, agent in self.agents.items() if target in agent.departments]
        return tuple(dict.fromkeys([*listed, *extra]))
