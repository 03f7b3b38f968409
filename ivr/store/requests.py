"""Citizen requests in the store: create, read, change status, assign, import, indicators.

The admin, the API, the CLI and the IVR call these functions. Each public function
takes the ``Store`` (plus the ``Rules`` in force and the instant ``at`` or ``now`` when
it needs them), runs its own transaction and returns frozen views — never ORM
objects. Refusals are the typed errors of ``ivr.requests.errors`` (French messages);
nothing is written when one is raised.

Concurrency: a new reference is random; a collision with an existing one fails the
unique constraint and the creation is retried with another. Changes go through
SQLAlchemy's ``version_id_col``: of two agents changing one request at once, one wins
and the other gets ``StaleVersion``; a history line is written in the same
transaction as the change it records, so none is lost.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import secrets
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from ivr.requests import due, lifecycle
from ivr.requests.address import PostalAddress
from ivr.requests.errors import (
    InvalidInput,
    StaleVersion,
    UnknownReference,
)
from ivr.requests.inputs import clean_text
from ivr.requests.reference import grouped, new_reference, normalise
from ivr.rules import Rules
from ivr.store.citizens import NewCitizen, citizen_ids, ensure_citizen_in, put_address
from ivr.store.db import Store
from ivr.store.models import CHANNELS, Citizen, Contact, Request, RequestEvent
from ivr.store.notifications import notify_request
from ivr.store.request_views import (
    AttachmentView,
    EventView,
    RequestView,
    request_view,
)
from ivr.store.request_worklist import worklist

__all__ = [
    "AttachmentView",
    "Audit",
    "EventView",
    "RequestView",
    "assign",
    "change_status",
    "create_request",
    "get_request",
    "hash_pin",
    "link_contact",
    "proves",
    "request_row",
    "search",
    "verify_caller",
    "worklist",
]

# Called inside the change's transaction with the session and the request's reference, so
# that a caller's own record of the change (the admin's audit_log row) commits with it.
Audit = Callable[[Session, str], None]
DELIVERIES = ("courrier", "courriel")  # how a request's document leaves the town hall

REFERENCE_ATTEMPTS = 20  # 10⁹ references: a collision is rare, twenty in a row impossible
_PIN_ITERATIONS = 100_000


def hash_pin(pin: str, salt: bytes | None = None) -> str:
    """``pbkdf2_sha256$salt$hash`` of a PIN of 4 to 8 digits (never stored in clear)."""
    if not (pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 8):
        raise InvalidInput("Le code confidentiel doit comporter de 4 à 8 chiffres.")
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, _PIN_ITERATIONS)
    return f"pbkdf2_sha256${salt.hex()}${digest.hex()}"


def _pin_matches(stored: str | None, pin: str) -> bool:
    if not stored or not (pin.isascii() and pin.isdigit()):
        return False
    _, salt, _digest = stored.split("$")
    try:
        return hmac.compare_digest(stored, hash_pin(pin, bytes.fromhex(salt)))
    except InvalidInput:
        return False


def _department(rules: Rules, department: str) -> str:
    if department not in rules.departments:
        raise InvalidInput(f"Service inconnu : « {department} ».")
    return department


def request_row(session: Session, reference: str, *, full: bool = False) -> Request:
    """The ORM row of a keyed reference (for the store's own modules), or a typed error."""
    query = select(Request).where(Request.reference == normalise(reference))
    if full:
        query = query.options(selectinload(Request.events), selectinload(Request.attachments),
                              selectinload(Request.citizen))
    row = session.scalar(query)
    if row is None:
        raise UnknownReference(
            f"Aucune demande ne porte la référence {grouped(normalise(reference))}.")
    return row


def is_clash(exc: IntegrityError) -> bool:
    """A race lost on a unique value (reference, contact point): retrying may succeed."""
    text = str(exc.orig)
    return any(name in text for name in ("requests.reference", "uq_requests_reference",
                                         "citizen_contact_points"))


def _owner(session: Session, citizen_id: int | None, citizen: NewCitizen | None) -> int | None:
    if citizen_id is not None:
        if session.get(Citizen, citizen_id) is None:
            raise InvalidInput(f"Usager n° {citizen_id} introuvable.")
        return citizen_id
    if citizen is None:
        return None
    return ensure_citizen_in(session, name=citizen.name, phones=citizen.phones,
                             emails=citizen.emails, birth_date=citizen.birth_date,
                             address=citizen.address).id


def request_values(rules: Rules, *, type_id: str, at: datetime, channel: str = "phone",
                   department: str | None = None, agent: str | None = None,
                   subject: str | None = None, description: str | None = None,
                   pin: str | None = None, delivery: str | None = None) -> dict[str, Any]:
    """The checked columns of a new request of ``type_id`` (typed errors before any write)."""
    kind = lifecycle.request_type(rules, type_id)
    department = _department(rules, department or kind.department)
    if channel not in CHANNELS:
        raise InvalidInput(f"Canal inconnu : « {channel} » (possibles : {', '.join(CHANNELS)}).")
    if delivery is not None and delivery not in DELIVERIES:
        raise InvalidInput(f"Mode d'envoi inconnu : « {delivery} » "
                           f"(possibles : {', '.join(DELIVERIES)}).")
    return dict(type=type_id, channel=channel, department=department,
                agent=clean_text(agent, "l'agent", 64),
                status=lifecycle.initial_status(rules, type_id),
                subject=clean_text(subject, "l'objet", 255),
                description=clean_text(description, "la description", 20_000),
                pin_hash=hash_pin(pin) if pin else None, created_at=at, delivery=delivery,
                due_at=due.due_at(rules, department, at, kind.delay),
                acknowledge_due_at=due.due_at(rules, department, at, kind.acknowledge_within)
                if kind.acknowledge_within else None)


def insert_request(session: Session, values: dict[str, Any], *, owner: int | None, actor: str,
                   rng: random.Random) -> Request:
    """Add a request with ``values`` and its "created" line (a reference clash raises
    ``IntegrityError`` at flush: the caller retries its transaction)."""
    row = Request(reference=new_reference(rng), citizen_id=owner, **values)
    row.events.append(RequestEvent(at=values["created_at"], actor=actor, kind="created",
                                   to_status=row.status))
    session.add(row)
    session.flush()
    return row


def create_request(store: Store, rules: Rules, *, type_id: str, at: datetime, actor: str,
                   channel: str = "phone", citizen_id: int | None = None,
                   citizen: NewCitizen | None = None,
                   department: str | None = None, agent: str | None = None,
                   subject: str | None = None, description: str | None = None,
                   pin: str | None = None, rng: random.Random | None = None,
                   audit: Audit | None = None, delivery: str | None = None) -> RequestView:
    """Record a new request of ``type_id``, due ``delay`` working days after ``at``.

    The citizen is ``citizen_id``, or found/created from ``citizen`` in the same
    transaction (so a refused request leaves no citizen behind), or nobody. ``delivery``
    (courrier, courriel) says how its document leaves: posted without an address on
    file, the request shows « adresse à compléter ».
    """
    kind = lifecycle.request_type(rules, type_id)
    if citizen and citizen.birth_date and kind.verification != "date_naissance":
        raise InvalidInput(f"La date de naissance n'est pas demandée pour une demande "
                           f"« {kind.label} » : ne l'enregistrez pas (minimisation des données).")
    values = request_values(rules, type_id=type_id, at=at, channel=channel,
                            department=department, agent=agent, subject=subject,
                            description=description, pin=pin, delivery=delivery)
    rng = rng or random.SystemRandom()
    actor = _actor(actor)
    for _ in range(REFERENCE_ATTEMPTS):
        try:
            with store.session() as session:
                owner = _owner(session, citizen_id, citizen)
                row = insert_request(session, values, owner=owner, actor=actor, rng=rng)
                if audit is not None:
                    audit(session, row.reference)
                notify_request(session, rules, row, "demande_creee", at)
                return request_view(row)
        except IntegrityError as exc:
            if not is_clash(exc):
                raise
    raise RuntimeError(f"no free reference after {REFERENCE_ATTEMPTS} attempts")


def get_request(store: Store, reference: str) -> RequestView:
    """The request keyed as ``reference`` with its history, attachments and contacts."""
    with store.session() as session:
        return request_view(request_row(session, reference, full=True), full=True, session=session)


def _check_version(row: Request, expected_version: int | None) -> None:
    if expected_version is not None and row.version != expected_version:
        raise StaleVersion(f"La demande {grouped(row.reference)} a été modifiée entre-temps "
                           "par quelqu'un d'autre : rechargez-la avant de recommencer.")


def _actor(actor: str) -> str:
    """Who acts (a user name, ``ivr``, ``api:<token>``…): required, 64 characters at most."""
    cleaned = clean_text(actor, "l'auteur de la modification", 64)
    if cleaned is None:
        raise InvalidInput("L'auteur de la modification est obligatoire.")
    return cleaned


def _move(session: Session, rules: Rules, row: Request, to_status: str, actor: str,
          at: datetime, note: str | None) -> None:
    """Apply an allowed status change to ``row``: clock, closing, history line."""
    actor, note = _actor(actor), clean_text(note, "la note", 5000)
    target = lifecycle.check_transition(rules, row.type, row.status, to_status)
    if row.clock_stopped_at is not None and not target.stops_clock:
        row.due_at = due.pushed_back(rules, row.department, row.due_at, row.clock_stopped_at, at)
        row.clock_stopped_at = None
    elif target.stops_clock and row.clock_stopped_at is None:
        row.clock_stopped_at = at
    row.closed_at = at if target.final else None
    # added through the session: appending to row.events would load the whole history
    session.add(RequestEvent(request_id=row.id, at=at, actor=actor, kind="status",
                             from_status=row.status, to_status=to_status, note=note))
    row.status = to_status
    notify_request(session, rules, row, "statut_change", at, note)


def _refuse_silent_close(rules: Rules, row: Request, to_status: str) -> None:
    """A followed request (complaint, suggestion) closes only with its answer sent."""
    lifecycle.check_transition(rules, row.type, row.status, to_status)  # its refusals first
    kind = lifecycle.request_type(rules, row.type)
    if kind.acknowledge_within and to_status in lifecycle.final_statuses(rules, row.type):
        raise InvalidInput(f"Une demande « {kind.label} » se clôt par la réponse envoyée à "
                           "l'usager : utilisez « Répondre ».")


def _committed(store: Store, reference: str, work: Callable[[Session, Request], None],
               audit: Audit | None = None) -> RequestView:
    """Run ``work(session, row)`` on the request and commit; a lost race is ``StaleVersion``."""
    try:
        with store.session() as session:
            row = request_row(session, reference)
            with session.no_autoflush:  # one UPDATE (one version step) per change
                work(session, row)
            session.flush()
            if audit is not None:
                audit(session, row.reference)
            return request_view(row)
    except StaleDataError:
        raise StaleVersion(f"La demande {grouped(normalise(reference))} vient d'être modifiée "
                           "par quelqu'un d'autre : rechargez-la avant de recommencer.") from None


def set_address(store: Store, reference: str, address: PostalAddress | None, *, actor: str,
                at: datetime, audit: Audit | None = None) -> RequestView:
    """Write (or erase, ``None``) the postal address of the request's citizen — created
    when the request has none (a withheld number) — with a line in its history that
    says so without the address itself."""
    def work(session: Session, row: Request) -> None:
        if row.citizen is None:
            row.citizen = Citizen()
        put_address(row.citizen, address)
        row.events.append(RequestEvent(
            at=at, actor=_actor(actor), kind="note", from_status=row.status,
            to_status=row.status,
            note="Adresse postale enregistrée." if address else "Adresse postale effacée."))

    return _committed(store, reference, work, audit)


def change_status(store: Store, rules: Rules, reference: str, to_status: str, *, actor: str,
                  at: datetime, note: str | None = None,
                  expected_version: int | None = None, audit: Audit | None = None) -> RequestView:
    """Move the request to ``to_status`` (a status id or its label, as the CSV import
    accepts) if its type allows it; one history line."""
    def work(session: Session, row: Request) -> None:
        _check_version(row, expected_version)
        target = lifecycle.status_id(rules, row.type, to_status)
        _refuse_silent_close(rules, row, target)
        _move(session, rules, row, target, actor, at, note)

    return _committed(store, reference, work, audit)


def assign(store: Store, rules: Rules, reference: str, *, agent: str | None, actor: str,
           at: datetime, department: str | None = None, note: str | None = None,
           expected_version: int | None = None, audit: Audit | None = None) -> RequestView:
    """Give the request to ``agent`` (None: nobody) and possibly another department."""
    if department is not None:
        _department(rules, department)
    actor, agent = _actor(actor), clean_text(agent, "l'agent", 64)
    note = clean_text(note, "la note", 5000)

    def work(session: Session, row: Request) -> None:
        _check_version(row, expected_version)
        row.agent = agent
        row.department = department or row.department
        who = f"attribuée à {agent}" if agent else "attribution retirée"
        text = f"{who} ({row.department})" + (f" : {note}" if note else "")
        session.add(RequestEvent(request_id=row.id, at=at, actor=actor, kind="assigned",
                                 from_status=row.status, to_status=row.status, note=text))

    return _committed(store, reference, work, audit)


def search(store: Store, *, phone: str | None = None, email: str | None = None,
           limit: int = 50) -> list[RequestView]:
    """The requests of the citizen reached by ``phone`` or ``email``, newest first."""
    with store.session() as session:
        ids = citizen_ids(session, phone=phone, email=email)
        if not ids:
            return []
        rows = session.scalars(select(Request).where(Request.citizen_id.in_(ids))
                               .order_by(Request.created_at.desc(), Request.id.desc())
                               .limit(limit))
        return [request_view(row) for row in rows]


def link_contact(store: Store, contact_id: int, reference: str) -> None:
    """Attach a contact (a call, a visit…) to the request it was about."""
    with store.session() as session:
        row = request_row(session, reference)
        contact = session.get(Contact, contact_id)
        if contact is None:
            raise InvalidInput(f"Contact n° {contact_id} introuvable.")
        contact.request_id = row.id


def verify_caller(store: Store, rules: Rules, reference: str, *, birth_date: date | None = None,
                  pin: str | None = None) -> bool:
    """Whether the caller proved what the request's type asks before hearing its status."""
    with store.session() as session:
        row = request_row(session, reference)
        check = lifecycle.request_type(rules, row.type).verification
        return proves(row, check, birth_date=birth_date, pin=pin)


def proves(row: Request, check: str, *, birth_date: date | None = None,
           pin: str | None = None) -> bool:
    """Whether ``birth_date`` or ``pin`` is what ``check`` (the type's verification)
    asks of this request (for the store's own modules, inside their transaction)."""
    born = row.citizen.birth_date if row.citizen is not None else None
    return secret_matches(check, born, row.pin_hash, birth_date=birth_date, pin=pin)


def secret_matches(check: str, born: date | None, pin_hash: str | None, *,
                   birth_date: date | None = None, pin: str | None = None) -> bool:
    """``proves`` on the values read (the citizen's birth date, the PIN's hash), for a
    caller that read them in one statement rather than through the ORM's rows."""
    if check == "none":
        return True
    if check == "pin":
        return pin is not None and _pin_matches(pin_hash, pin)
    return born is not None and birth_date == born
