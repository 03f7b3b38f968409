"""Phone self-service on the request store: the answers to ``ivr.flow.request_queries``
and the protection against guessing.

Every reference keyed and every birth date or PIN checked is an attempt row
(``self_service_attempts``: who, which reference, whether it matched — never the
secret). Failures are counted over a sliding window per caller number (too many: the
number is refused for a while and the caller put through to a person) and per
reference (``lock_after`` failed checks lock it in ``self_service_locks`` until an
agent unlocks it). Each answer runs in one transaction: a failed attempt, the lock and
the answer are written together or not at all; a successful attempt decides nothing and
may be written just after the answer (``AttemptLog``), so the caller never waits for a
write to hear their status.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Select, delete, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ivr.flow.request_queries import (
    AddressOnFile,
    CreateDocumentRequest,
    DocumentRequested,
    FindRequest,
    Guard,
    OpenRequest,
    OpenRequests,
    OpenRequestsOf,
    PostalAddressOf,
    Refused,
    RequestFound,
    RequestState,
    SendStatusSms,
    SmsQueued,
    VerifyCaller,
)
from ivr.messages.policy import QuietHours
from ivr.messages.templates import render
from ivr.requests.errors import RequestError
from ivr.requests.reference import grouped, normalise
from ivr.store import messages as outbox
from ivr.store.attachments import add_attachment
from ivr.store.citizens import NewCitizen, address_on_file, citizen_ids, ensure_citizen_in
from ivr.store.db import Store
from ivr.store.models import (
    Citizen,
    Consent,
    Request,
    RequestEvent,
    SelfServiceAttempt,
    SelfServiceLock,
)
from ivr.store.notifications import template
from ivr.store.requests import create_request, request_row, secret_matches

log = logging.getLogger(__name__)
Heard = Callable[[str, str, bytes], None]  # (reference, what, WAV bytes)
Later = Callable[[SelfServiceAttempt], None]  # keeps a successful attempt (``AttemptLog``)
PHONE_ACTOR = "telephone"
STATUS_SMS_PURPOSE = "sms:statut-demande"  # one SMS the caller asked for, not a list
STATUS_SMS_TEMPLATE = "statut_telephone"


def open_requests_of(store: Store, query: OpenRequestsOf) -> OpenRequests:
    """The caller's citizen's requests not closed yet, newest first (none if unknown)."""
    with store.session() as session:
        try:
            ids = citizen_ids(session, phone=query.caller)
        except RequestError:  # a caller ID that is no phone number
            return OpenRequests(())
        if not ids:
            return OpenRequests(())
        rows = session.execute(
            select(Request.reference, Request.type, Citizen.birth_date, Request.pin_hash)
            .join(Citizen, Citizen.id == Request.citizen_id)
            .where(Request.citizen_id.in_(ids), Request.closed_at.is_(None))
            .order_by(Request.created_at.desc(), Request.id.desc()).limit(3))
        return OpenRequests(tuple(OpenRequest(ref, type_id, born is not None, pin is not None)
                                  for ref, type_id, born, pin in rows))


def find_request(store: Store, query: FindRequest, *,
                 later: Later | None = None) -> RequestFound | Refused:
    """Whether the reference may be consulted by this caller now; the attempt is kept
    (a success through ``later`` when given, see ``AttemptLog``)."""
    with store.session() as session:
        if _caller_failures(session, query.caller, query.at, query.guard) >= \
                query.guard.max_failures:
            _attempt(session, query, "reference", ok=False)
            return Refused("caller_blocked")
        row = session.scalar(select(Request).where(Request.reference == query.reference))
        if row is None:
            _attempt(session, query, "reference", ok=False)
            return Refused("unknown")
        if session.get(SelfServiceLock, row.reference) is not None:
            _attempt(session, query, "reference", ok=False)
            return Refused("locked")
        _success(session, query, "reference", later)
        born = row.citizen is not None and row.citizen.birth_date is not None
        return RequestFound(row.reference, row.type, born, row.pin_hash is not None)


def verify(store: Store, query: VerifyCaller, *,
           later: Later | None = None) -> RequestState | Refused:
    """The request's state if the caller proved what its type asks; else ``Refused``
    (``mismatch``, or ``locked`` when this failure locked the reference). A success is
    kept through ``later`` when given, so the answer needs no write (see ``AttemptLog``).

    What a success needs is read in one statement, without ORM rows: this is the
    question between the caller's last key and their status, and under a burst its
    CPU (four ORM queries took 2.5 ms) queued every caller behind the others."""
    with store.session() as session:
        facts = session.execute(_checked(query.reference)).one_or_none()
        if facts is None:
            request_row(session, query.reference)  # the UnknownReference of the others
        assert facts is not None
        if facts.locked is not None:
            _attempt(session, query, "verification", ok=False)
            return Refused("locked")
        if not secret_matches(query.verification, facts.birth_date, facts.pin_hash,
                              birth_date=query.birth_date, pin=query.pin):
            return _mismatch(session, query)
        _success(session, query, "verification", later)
        return RequestState(facts.reference, facts.type, facts.status,
                            facts.since or facts.created_at, facts.due_at,
                            facts.closed_at is not None)


def _checked(reference: str) -> Select[Any]:
    """The request, its citizen's birth date, its lock and its last change, in one row."""
    since = (select(func.max(RequestEvent.at)).where(RequestEvent.request_id == Request.id)
             .scalar_subquery())
    return (select(Request.reference, Request.type, Request.status, Request.created_at,
                   Request.due_at, Request.closed_at, Request.pin_hash, Citizen.birth_date,
                   SelfServiceLock.reference.label("locked"), since.label("since"))
            .outerjoin(Citizen, Citizen.id == Request.citizen_id)
            .outerjoin(SelfServiceLock, SelfServiceLock.reference == Request.reference)
            .where(Request.reference == reference))


def _mismatch(session: Session, query: VerifyCaller) -> Refused:
    """A failed check, kept; at ``lock_after`` in the window the reference is locked."""
    _attempt(session, query, "verification", ok=False)
    failures = _reference_failures(session, query.reference, query.at, query.guard)
    if failures >= query.guard.lock_after:
        session.add(SelfServiceLock(reference=query.reference, locked_at=query.at,
                                    failures=failures))
        return Refused("locked")
    return Refused("mismatch")


def send_status_sms(store: Store, query: SendStatusSms) -> SmsQueued:
    """Queue the status the caller heard by SMS to their mobile, with their consent and its
    proof, in one transaction. The outbox's quiet hours hold it until 8:00 at night."""
    with store.session() as session:
        row = request_row(session, query.reference)
        citizen_id = row.citizen_id or ensure_citizen_in(session, phones=[query.number]).id
        _asked_sms(session, query, citizen_id, row.id, STATUS_SMS_PURPOSE, STATUS_SMS_TEMPLATE,
                   {"annonce": query.told, "reference": grouped(row.reference)})
    return SmsQueued()


def _asked_sms(session: Session, query: SendStatusSms, citizen_id: int,
               request_id: int | None, purpose: str, template_id: str,
               values: dict[str, str]) -> None:
    """The caller's consent with its proof (the sentence, the key, the call, the number)
    and the SMS it allows, in the caller's transaction."""
    session.add(Consent(citizen_id=citizen_id, purpose=purpose, granted=True, at=query.at,
                        channel="phone", actor=PHONE_ACTOR,
                        wording=f"{query.wording} [touche {query.key}, appel "
                                f"{query.call_id}, numéro {query.number}]"))
    texts = render(template(session, template_id), {"mairie": query.rules.town.name, **values})
    outbox.enqueue(session, channel="sms", recipient=query.number, body=texts.sms,
                   purpose=purpose, template=template_id, citizen_id=citizen_id,
                   request_id=request_id, now=query.at,
                   not_before=QuietHours(zone=query.rules.town.timezone).next_allowed(query.at))


def postal_address_of(store: Store, query: PostalAddressOf) -> AddressOnFile:
    """Whether the caller's citizen has a postal address (never the address itself)."""
    try:
        return AddressOnFile(address_on_file(store, query.caller))
    except RequestError:  # a caller ID that is no phone number
        return AddressOnFile(False)


def create_document_request(store: Store, query: CreateDocumentRequest, *,
                            recording: Callable[[str], Path], area: Path,
                            heard: Heard | None = None) -> DocumentRequested:
    """Create the request, then move each recording (``recording(name)``: its file in
    Asterisk's spool) into its attachments. A recording that is missing is logged and
    the request kept: the agent calls the citizen back for what it held. ``heard``
    gets each recording kept, to transcribe it later (never while the caller waits).
    Posted without an address on file, the request shows « adresse à compléter »."""
    citizen = NewCitizen(phones=(query.caller,)) if query.caller else None
    said = ", ".join(what for what, _ in query.recordings) or "aucun"
    where = " à l'adresse enregistrée" if query.to_address_on_file else ""
    view = create_request(
        store, query.rules, type_id=query.type_id, at=query.at, actor=PHONE_ACTOR,
        channel="phone", citizen=citizen, subject=f"{query.kind} — demandé par téléphone",
        delivery=query.delivery,
        description=(f"Date de l'événement : {query.event_date:%d/%m/%Y}. "
                     f"Envoi par {query.delivery}{where}. Enregistrements joints : {said}."))
    for what, name in query.recordings:
        path = recording(name)
        try:
            data = path.read_bytes()
        except OSError as exc:
            log.warning("recording not found", extra={"recording": name, "error": str(exc)})
            continue
        add_attachment(store, area, view.reference, filename=f"{what}.wav", data=data,
                       at=query.at, actor=PHONE_ACTOR, mime="audio/wav")
        path.unlink(missing_ok=True)
        if heard is not None:
            heard(view.reference, what, data)
    return DocumentRequested(view.reference, view.due_at)


def add_transcript(store: Store, reference: str, what: str, text: str, at: datetime) -> None:
    """What the speech model heard in the caller's recording ``what`` (noms, adresse), as a
    note of the request's history beside the recording agents listen to."""
    with store.session() as session:
        row = request_row(session, reference)
        row.events.append(RequestEvent(
            at=at, actor=PHONE_ACTOR, kind="note", from_status=row.status,
            to_status=row.status,
            note=f"Transcription automatique ({what}) : {text or 'rien de reconnu'}"))


def unlock(store: Store, reference: str, *, actor: str, at: datetime) -> bool:
    """Let the reference be consulted by phone again (an agent's decision); the failures
    before now no longer count. False when it was not locked."""
    ref = normalise(reference)
    with store.session() as session:
        request_row(session, ref)  # UnknownReference for a reference nobody has
        gone = session.execute(delete(SelfServiceLock).where(SelfServiceLock.reference == ref))
        session.add(SelfServiceAttempt(at=at, kind="unlock", ok=True, reference=ref,
                                       actor=actor))
        return bool(gone.rowcount)  # type: ignore[attr-defined]


def is_locked(store: Store, reference: str) -> bool:
    """Whether the reference is locked for phone self-service."""
    with store.session() as session:
        return session.get(SelfServiceLock, normalise(reference)) is not None


def _attempt(session: Session, query: FindRequest | VerifyCaller, kind: str, *,
             ok: bool) -> None:
    session.add(_attempt_row(query, kind, ok=ok))
    session.flush()


def _attempt_row(query: FindRequest | VerifyCaller, kind: str, *,
                 ok: bool) -> SelfServiceAttempt:
    return SelfServiceAttempt(at=query.at, kind=kind, ok=ok, caller=query.caller,
                              reference=query.reference, call_id=query.call_id)


def _success(session: Session, query: FindRequest | VerifyCaller, kind: str,
             later: Later | None) -> None:
    """Keep a successful attempt: in this transaction, or handed to ``later``."""
    if later is None:
        _attempt(session, query, kind, ok=True)
    else:
        later(_attempt_row(query, kind, ok=True))


class AttemptLog:
    """Successful attempts, written in batches on one thread after the caller has the
    answer.

    A failure decides locks and refusals, so it is written in the answer's own
    transaction; a success decides nothing, and writing it there made the answer wait
    for the database's write lock — on SQLite, behind the contact writer's batches and
    every other caller's attempt (seconds under a burst of 100 last keys). A batch the
    database refuses is retried until ``close``; what a crash loses is the audit row of
    a success, whose consultation is also in the call's contact (``request_status_told``).
    """

    RETRY_SECONDS = 1.0

    def __init__(self, store: Store) -> None:
        self.store = store
        self._queue: queue.SimpleQueue[SelfServiceAttempt | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="attempt-log", daemon=True)
        self._thread.start()

    def __call__(self, attempt: SelfServiceAttempt) -> None:
        self._queue.put(attempt)

    def close(self, timeout: float = 5.0) -> None:
        """Write what is queued (for at most ``timeout`` seconds), then stop."""
        self._queue.put(None)
        self._thread.join(timeout)

    def _run(self) -> None:
        running = True
        while running:
            batch, running = self._take()
            while batch and not self._write(batch):
                time.sleep(self.RETRY_SECONDS)

    def _take(self) -> tuple[list[SelfServiceAttempt], bool]:
        """Wait for attempts, then take every one queued; False once ``close`` was asked."""
        items = [self._queue.get()]
        while not self._queue.empty():
            items.append(self._queue.get())
        return [item for item in items if item is not None], None not in items

    def _write(self, batch: list[SelfServiceAttempt]) -> bool:
        try:
            with self.store.session() as session:
                session.add_all(batch)
        except SQLAlchemyError as exc:
            log.warning("self-service attempts not written yet", extra={
                "attempts": len(batch), "error": str(exc)})
            return False
        return True


def _caller_failures(session: Session, caller: str | None, at: datetime, guard: Guard) -> int:
    """Failures of this number in the window (a withheld number is counted in the call)."""
    if not caller:
        return 0
    return session.scalar(select(func.count()).where(
        SelfServiceAttempt.caller == caller, SelfServiceAttempt.ok.is_(False),
        SelfServiceAttempt.at > at - timedelta(hours=guard.window_hours))) or 0


def _reference_failures(session: Session, reference: str, at: datetime, guard: Guard) -> int:
    """Failed checks of this reference in the window, since an agent last unlocked it."""
    since = at - timedelta(hours=guard.window_hours)
    unlocked = session.scalar(select(func.max(SelfServiceAttempt.at)).where(
        SelfServiceAttempt.reference == reference, SelfServiceAttempt.kind == "unlock"))
    if unlocked is not None and unlocked > since:
        since = unlocked
    return session.scalar(select(func.count()).where(
        SelfServiceAttempt.reference == reference, SelfServiceAttempt.kind == "verification",
        SelfServiceAttempt.ok.is_(False), SelfServiceAttempt.at > since)) or 0

