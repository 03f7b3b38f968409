"""Citizens, their phone numbers and e-mail addresses, their consents.

One person may have several numbers and addresses; each normalised value (E.164,
lower-case e-mail) belongs to one citizen at most (a unique constraint), so a caller
is found again by the number they call from. Public functions take the ``Store``, run
one transaction and return frozen views, never ORM objects. Errors are the typed
ones of ``ivr.requests.errors`` with French messages.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ivr.domain.phone_numbers import is_hidden, to_e164
from ivr.requests.address import PostalAddress
from ivr.requests.errors import CitizenConflict, InvalidInput
from ivr.requests.inputs import clean_text
from ivr.store.db import Store
from ivr.store.models import CONSENT_CHANNELS, Citizen, CitizenContactPoint, Consent

T = TypeVar("T")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
CONFLICT_RETRIES = 5  # two writers creating the same contact point: the loser retries


@dataclass(frozen=True)
class ConsentView:
    """A consent in force for one purpose, with its proof."""

    purpose: str
    granted: bool
    at: datetime
    channel: str
    wording: str
    actor: str | None


@dataclass(frozen=True)
class CitizenView:
    """A citizen as the admin and the API show it."""

    id: int
    name: str | None
    birth_date: date | None
    phones: tuple[str, ...]
    emails: tuple[str, ...]
    consents: tuple[ConsentView, ...] = ()
    address: PostalAddress | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (ISO dates)."""
        return {
            "id": self.id, "name": self.name,
            "birth_date": self.birth_date.isoformat() if self.birth_date else None,
            "phones": list(self.phones), "emails": list(self.emails),
            "address": self.address.to_dict() if self.address else None,
            "consents": [{**c.__dict__, "at": c.at.isoformat()} for c in self.consents],
        }


@dataclass(frozen=True)
class NewCitizen:
    """Who a new request is for, when the citizen may not be known yet."""

    name: str | None = None
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    birth_date: date | None = None
    address: PostalAddress | None = None  # replaces the one on file when given


def address_of(citizen: Citizen | None) -> PostalAddress | None:
    """The postal address on file (None without a citizen or an address)."""
    if citizen is None or not (citizen.address_street and citizen.address_postcode
                               and citizen.address_city):
        return None
    return PostalAddress(citizen.address_street, citizen.address_postcode,
                         citizen.address_city, citizen.address_extra)


def put_address(citizen: Citizen, address: PostalAddress | None) -> None:
    """Write ``address`` on the citizen; None erases it (one address, all parts or none)."""
    citizen.address_street = address.street if address else None
    citizen.address_extra = address.extra if address else None
    citizen.address_postcode = address.postcode if address else None
    citizen.address_city = address.city if address else None


def normalise_phone(raw: str) -> str:
    """E.164 form of ``raw``, or ``InvalidInput``."""
    e164 = to_e164(raw)
    if e164 is None:
        raise InvalidInput(f"Numéro de téléphone invalide : « {raw.strip()} ».")
    return e164


def normalise_email(raw: str) -> str:
    """Lower-case e-mail address, or ``InvalidInput``."""
    value = raw.strip().lower()
    if len(value) > 320 or not _EMAIL.match(value):
        raise InvalidInput(f"Adresse électronique invalide : « {raw.strip()} ».")
    return value


def with_retry(store: Store, work: Callable[[Session], T]) -> T:
    """Run ``work`` in a transaction, again from the start after a unique-constraint race."""
    for attempt in range(CONFLICT_RETRIES):
        try:
            with store.session() as session:
                return work(session)
        except IntegrityError:
            if attempt == CONFLICT_RETRIES - 1:
                raise
    raise AssertionError("unreachable")


def _points(phones: Iterable[str], emails: Iterable[str]) -> list[tuple[str, str]]:
    found = [("phone", normalise_phone(p)) for p in phones if p.strip()]
    found += [("email", normalise_email(e)) for e in emails if e.strip()]
    return list(dict.fromkeys(found))


def _owners(session: Session, points: list[tuple[str, str]]) -> set[int]:
    owners: set[int] = set()
    for kind, value in points:
        owner = session.scalar(select(CitizenContactPoint.citizen_id)
                               .where(CitizenContactPoint.kind == kind,
                                      CitizenContactPoint.value == value))
        if owner is not None:
            owners.add(owner)
    return owners


def citizen_view(session: Session, citizen: Citizen) -> CitizenView:
    """The view of a loaded citizen, with the consents in force."""
    points = citizen.contact_points
    rows = session.scalars(select(Consent).where(Consent.citizen_id == citizen.id)
                           .order_by(Consent.at, Consent.id))
    latest = {row.purpose: row for row in rows}  # later rows overwrite earlier ones
    consents = tuple(ConsentView(r.purpose, r.granted, r.at, r.channel, r.wording, r.actor)
                     for r in sorted(latest.values(), key=lambda r: r.purpose))
    return CitizenView(citizen.id, citizen.name, citizen.birth_date,
                       tuple(p.value for p in points if p.kind == "phone"),
                       tuple(p.value for p in points if p.kind == "email"), consents,
                       address_of(citizen))


def ensure_citizen_in(session: Session, *, name: str | None = None, phones: Iterable[str] = (),
                      emails: Iterable[str] = (), birth_date: date | None = None,
                      address: PostalAddress | None = None) -> Citizen:
    """The citizen owning any of the contact points (completed with the others and the
    address), or a new one."""
    points = _points(phones, emails)
    owners = _owners(session, points)
    if len(owners) > 1:
        raise CitizenConflict("Ces numéros et adresses appartiennent à des usagers différents.")
    if owners:
        citizen = session.get_one(Citizen, owners.pop())
    else:
        citizen = Citizen()
        session.add(citizen)
    name = clean_text(name, "le nom", 255)
    if name:
        citizen.name = name
    if birth_date is not None:
        citizen.birth_date = birth_date
    if address is not None:
        put_address(citizen, address)
    known = {(p.kind, p.value) for p in citizen.contact_points}
    for kind, value in points:
        if (kind, value) not in known:
            citizen.contact_points.append(CitizenContactPoint(kind=kind, value=value))
    session.flush()
    return citizen


def ensure_citizen(store: Store, *, name: str | None = None, phones: Iterable[str] = (),
                   emails: Iterable[str] = (), birth_date: date | None = None,
                   address: PostalAddress | None = None) -> CitizenView:
    """Find the citizen by any of ``phones``/``emails`` and complete it, or create one."""
    phones, emails = list(phones), list(emails)

    def work(session: Session) -> CitizenView:
        citizen = ensure_citizen_in(session, name=name, phones=phones, emails=emails,
                                    birth_date=birth_date, address=address)
        return citizen_view(session, citizen)

    return with_retry(store, work)


def address_on_file(store: Store, phone: str) -> bool:
    """Whether the one citizen calling from ``phone`` has a postal address on file."""
    with store.session() as session:
        ids = citizen_ids(session, phone=phone)
        return len(ids) == 1 and address_of(session.get(Citizen, ids.pop())) is not None


def citizen_ids(session: Session, *, phone: str | None = None,
                email: str | None = None) -> set[int]:
    """Ids of the citizens owning ``phone`` or ``email`` (normalised here).

    A withheld caller ID (``anonymous``…) finds nobody rather than being an error.
    """
    phones = [] if is_hidden(phone) else [phone or ""]
    return _owners(session, _points(phones, [email] if email else []))


def find_citizen(store: Store, *, phone: str | None = None,
                 email: str | None = None) -> CitizenView | None:
    """The citizen reached by this number (caller ID) or address, or None."""
    with store.session() as session:
        ids = citizen_ids(session, phone=phone, email=email)
        if len(ids) != 1:  # none, or phone and e-mail of two different people
            return None
        return citizen_view(session, session.get_one(Citizen, ids.pop()))


def get_citizen(store: Store, citizen_id: int) -> CitizenView:
    """The citizen ``citizen_id``, or ``InvalidInput``."""
    with store.session() as session:
        citizen = session.get(Citizen, citizen_id)
        if citizen is None:
            raise InvalidInput(f"Usager n° {citizen_id} introuvable.")
        return citizen_view(session, citizen)


def record_consent(store: Store, citizen_id: int, *, purpose: str, granted: bool,
                   at: datetime, channel: str, wording: str,
                   actor: str | None = None) -> CitizenView:
    """Record a consent given or withdrawn (``granted=False``) for ``purpose``, with its proof."""
    if channel not in CONSENT_CHANNELS:
        raise InvalidInput(f"Canal de consentement inconnu : « {channel} ».")
    purpose_text = clean_text(purpose, "la finalité", 64)
    wording_text = clean_text(wording, "le texte accepté", 5000)
    if purpose_text is None or wording_text is None:
        raise InvalidInput("Un consentement doit indiquer sa finalité et le texte accepté.")
    with store.session() as session:
        citizen = session.get(Citizen, citizen_id)
        if citizen is None:
            raise InvalidInput(f"Usager n° {citizen_id} introuvable.")
        session.add(Consent(citizen_id=citizen_id, purpose=purpose_text, granted=granted,
                            at=at, channel=channel, wording=wording_text,
                            actor=clean_text(actor, "l'auteur", 64)))
        session.flush()
        return citizen_view(session, citizen)
