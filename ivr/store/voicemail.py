"""Voicemail messages into requests, exactly once (the store's half of the ingestion).

One transaction per message: the ``voicemail_ingests`` row is inserted and flushed
first — on PostgreSQL a second transaction inserting the same key waits on it, on
SQLite the database lock serialises writers — then the caller's citizen, the request
(created or joined), the audio attachment and the contact's link. The spool file is
removed by the caller only after this commits; if it fails, nothing is kept (the
attachment file is removed again) and the next sweep tries again.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ivr.requests import voicemail as vm
from ivr.rules import Rules
from ivr.store.attachments import attach_in, relative_path
from ivr.store.citizens import ensure_citizen_in
from ivr.store.db import Store
from ivr.store.models import Attachment, Contact, Request, RequestEvent, VoicemailIngest
from ivr.store.requests import insert_request, is_clash, request_row, request_values

ATTEMPTS = 5
LINK_WINDOW = timedelta(days=2)  # a contact still spooled after that is linked by hand


@dataclass(frozen=True)
class Ingested:
    """What became of one message: its request, and whether this call did the work."""

    reference: str | None
    created: bool = False
    joined: bool = False

    @property
    def already(self) -> bool:
        return not (self.created or self.joined)


def ingested(store: Store, key: str) -> Ingested | None:
    """The earlier ingestion of message ``key``, or None."""
    with store.session() as session:
        return _ingested(session, key)


def _ingested(session: Session, key: str) -> Ingested | None:
    row = session.scalar(select(VoicemailIngest).where(VoicemailIngest.key == key))
    if row is None:
        return None
    request = session.get(Request, row.request_id) if row.request_id else None
    return Ingested(request.reference if request else None)


def _open_references(session: Session, citizen_id: int, department: str) -> list[str]:
    rows = session.scalars(select(Request.reference).where(
        Request.citizen_id == citizen_id, Request.type == vm.REQUEST_TYPE,
        Request.department == department, Request.closed_at.is_(None))
        .order_by(Request.created_at.desc(), Request.id.desc()))
    return list(rows)


def _drop_orphan(session: Session, area: Path, reference: str, filename: str,
                 audio: bytes) -> None:
    """A file left by an attempt that crashed before its commit: only that attempt could
    have written this message's path, and its row never came."""
    relative = relative_path(reference, filename, audio)
    if session.scalar(select(Attachment.id).where(Attachment.path == relative)) is None:
        (area / relative).unlink(missing_ok=True)


def _work(session: Session, rules: Rules, area: Path, message: vm.VoicemailMessage,
          audio: bytes, at: datetime, transcript: str | None, rng: random.Random,
          written: list[Path]) -> Ingested:
    done = _ingested(session, message.key)
    if done is not None:
        return done
    log = VoicemailIngest(key=message.key, box=message.box, msg_id=message.msg_id,
                          call_id=message.call_id, at=at)
    session.add(log)
    session.flush()  # the message is ours from here until the commit
    zone: tzinfo = rules.town.zone
    citizen = ensure_citizen_in(session, phones=[message.caller]) if message.caller else None
    opened = _open_references(session, citizen.id, message.box) if citizen else []
    decision = vm.decide(message, opened, zone, transcript)
    match decision:
        case vm.Join(reference=reference, note=note):
            row = request_row(session, reference)
            row.events.append(RequestEvent(at=at, actor=vm.ACTOR, kind="note",
                                           from_status=row.status, to_status=row.status,
                                           note=note))
        case vm.Create(subject=subject, description=description):
            values = request_values(rules, type_id=vm.REQUEST_TYPE, at=at,
                                    department=message.box, subject=subject,
                                    description=description)
            row = insert_request(session, values, owner=citizen.id if citizen else None,
                                 actor=vm.ACTOR, rng=rng)
    filename = vm.attachment_name(message)
    _drop_orphan(session, area, row.reference, filename, audio)
    attach_in(session, area, row, filename=filename, data=audio, at=at, actor=vm.ACTOR,
              mime=vm.MIME, written=written)
    log.request_id = row.id
    _link(session, message.call_id, row.id)
    return Ingested(row.reference, created=isinstance(decision, vm.Create),
                    joined=isinstance(decision, vm.Join))


def _link(session: Session, call_id: str | None, request_id: int) -> None:
    if call_id:
        session.execute(update(Contact).where(Contact.call_id == call_id,
                                              Contact.request_id.is_(None))
                        .values(request_id=request_id))


def ingest_message(store: Store, rules: Rules, area: Path, message: vm.VoicemailMessage,
                   audio: bytes, *, at: datetime, transcript: str | None = None,
                   rng: random.Random | None = None) -> Ingested:
    """Make ``message`` a request of its box's department (or join the caller's open one).

    Idempotent on ``message.key``: a message ingested before (by this process or
    another) returns its request with ``already`` set and writes nothing.
    """
    rng = rng or random.SystemRandom()
    for _ in range(ATTEMPTS):
        written: list[Path] = []
        try:
            with store.session() as session:
                return _work(session, rules, area, message, audio, at, transcript, rng,
                             written)
        except IntegrityError as exc:
            _remove(written)
            if not is_clash(exc) and "voicemail_ingests" not in str(exc.orig):
                raise
        except BaseException:
            _remove(written)
            raise
    raise RuntimeError(f"voicemail {message.key}: no transaction went through")


def _remove(written: list[Path]) -> None:
    for path in written:  # the rows are not there: neither must the files be
        path.unlink(missing_ok=True)


def link_pending(store: Store, *, now: datetime) -> int:
    """Link the contacts that reached the database after their message was ingested
    (the writer spools while the database is away); the number linked."""
    with store.session() as session:
        rows = session.execute(select(VoicemailIngest.call_id, VoicemailIngest.request_id)
                               .join(Contact, Contact.call_id == VoicemailIngest.call_id)
                               .where(Contact.request_id.is_(None),
                                      VoicemailIngest.request_id.is_not(None),
                                      VoicemailIngest.at >= now - LINK_WINDOW)).all()
        for call_id, request_id in rows:
            _link(session, call_id, request_id)
        return len(rows)
