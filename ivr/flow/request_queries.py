"""The questions phone self-service asks the request store, and their answers.

Answered in the IVR process by ``ivr.store.self_service`` (registered in ``ANSWERS`` of
``ivr.app``). Answers are small frozen values, never ORM rows. Every question that
tests a reference or a secret is counted there, per caller number and per reference,
over the sliding window of ``Guard``; the secret itself is never kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from ivr.flow.queries import Query
from ivr.rules import Rules


@dataclass(frozen=True)
class Guard:
    """The limits against guessing (``self_service`` in the rules)."""

    max_failures: int
    window_hours: int
    lock_after: int

    @classmethod
    def from_rules(cls, rules: Rules) -> Guard:
        """The guard the rules in force ask for."""
        s = rules.self_service
        return cls(s.max_failures, s.window_hours, s.lock_after)


@dataclass(frozen=True)
class OpenRequestsOf(Query):
    """The open requests of the citizen this caller number belongs to (newest first)."""

    caller: str


@dataclass(frozen=True)
class OpenRequest:
    """One of the caller's open requests (what could be proved for it: ``RequestFound``)."""

    reference: str
    type_id: str
    has_birth_date: bool = True
    has_pin: bool = True


@dataclass(frozen=True)
class OpenRequests:
    items: tuple[OpenRequest, ...]


@dataclass(frozen=True)
class FindRequest(Query):
    """Whether the keyed ``reference`` exists and may be consulted by phone; counted."""

    reference: str
    caller: str | None
    call_id: str
    at: datetime
    guard: Guard


@dataclass(frozen=True)
class RequestFound:
    """The request exists; whether a caller could prove a birth date or a PIN for it (a
    request filed by phone has neither: asking for one would only lock it)."""

    reference: str
    type_id: str
    has_birth_date: bool = True
    has_pin: bool = True


@dataclass(frozen=True)
class Refused:
    """Not found (``unknown``), locked for phone self-service (``locked``) or this number
    failed too often lately (``caller_blocked``)."""

    why: str


@dataclass(frozen=True)
class VerifyCaller(Query):
    """Check the caller's birth date or PIN for ``reference`` (``verification`` is the
    type's: date_naissance, pin or none); counted, and the reference locked after
    ``guard.lock_after`` failures in the window."""

    reference: str
    verification: str
    caller: str | None
    call_id: str
    at: datetime
    guard: Guard
    birth_date: date | None = None
    pin: str | None = None


@dataclass(frozen=True)
class RequestState:
    """What the caller may hear once verified: the status and since when, the due date."""

    reference: str
    type_id: str
    status: str
    since: datetime
    due_at: datetime
    closed: bool


@dataclass(frozen=True)
class SendStatusSms(Query):
    """Send the status the caller just heard (``told``) by SMS to ``number``, the mobile
    they call from. Pressing ``key`` after hearing ``wording`` is their consent: both,
    with the call, are recorded as its proof."""

    reference: str
    number: str  # E.164
    told: str
    wording: str
    key: str
    call_id: str
    at: datetime
    rules: Rules = field(compare=False, repr=False)  # the town's name and time zone


@dataclass(frozen=True)
class SmsQueued:
    """The SMS is in the outbox (sent at once, or at 8:00 when asked for at night)."""


@dataclass(frozen=True)
class PostalAddressOf(Query):
    """Whether the caller's citizen has a postal address on file (``AddressOnFile``):
    an act is then posted there, with nothing to say after the beep."""

    caller: str  # E.164


@dataclass(frozen=True)
class AddressOnFile:
    known: bool


@dataclass(frozen=True)
class CreateDocumentRequest(Query):
    """Create a civil-status document request keyed and spoken on the phone, with the
    caller's recordings (names, address) attached; all at the end, so a caller who
    hangs up half-way leaves nothing half-made. ``rules`` are the call's (its due date)."""

    type_id: str
    kind: str  # « Copie intégrale », « Extrait »
    event_date: date
    delivery: str  # courrier | courriel
    caller: str | None  # E.164, or None when withheld or unusable
    call_id: str
    at: datetime
    recordings: tuple[tuple[str, str], ...]  # (what, recording name): names, address
    rules: Rules = field(compare=False, repr=False)
    to_address_on_file: bool = False  # posted to the citizen's address: none recorded


@dataclass(frozen=True)
class DocumentRequested:
    reference: str
    due_at: datetime
