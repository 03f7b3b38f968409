"""Apply spooled writer ops to the database, idempotently.

An op is a JSON object ``{"op", "call_id", "seq", "ts", ...}``: ``event`` ops carry
``kind``, ``at`` and ``data`` and become ``contact_events`` rows (unique per contact
and seq, so a replay inserts nothing twice); ``start``/``update``/``finish`` ops carry
``fields`` and set contact columns only when their seq is newer than the contact's
``op_seq`` (last writer wins, a replayed older op changes nothing); a ``close`` op is a
``finish`` for a contact still without an outcome only. A ``callback`` op
(a callback promised in the call) inserts its ``callback_promised`` event first and
creates the ``callbacks`` row only when that event was new, so a replay never
promises twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ivr.store.models import Contact, ContactEvent, Request

Op = dict[str, Any]

DATETIME_FIELDS = frozenset({"started_at", "answered_at", "ended_at"})
# Columns the writer may set; ``parent_call_id`` is resolved to ``parent_contact_id`` and
# ``request_ref`` (a call that consulted or created a request) to ``request_id``, which
# ``ivr.store.requests.link_contact`` sets for the other channels.
CONTACT_FIELDS = frozenset(
    {c.key for c in Contact.__table__.columns}
    - {"id", "call_id", "op_seq", "created_at", "updated_at", "parent_contact_id", "request_id"}
) | {"parent_call_id", "request_ref"}

# Both dialects spell "insert unless (contact, seq) exists" the same way.
_INSERTS: dict[str, Callable[..., Any]] = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def apply_ops(session: Session, ops: list[Op]) -> None:
    """Apply ``ops`` (in spool order) inside the caller's transaction."""
    contacts = _load(session, {op["call_id"] for op in ops})
    _create_missing(session, contacts, ops)
    events: list[dict[str, Any]] = []
    callbacks: list[tuple[Contact, Op]] = []
    for op in ops:
        contact = contacts[op["call_id"]]
        match op["op"]:
            case "event":
                events.append(_event_row(contact, op))
            case "callback":
                callbacks.append((contact, op))
            case "start" | "update" | "finish":
                _set_newer(session, contact, op)
            case "close" if contact.outcome is None:
                _set_newer(session, contact, op)
            case "close":
                pass  # the contact already ended with what the other facts said
            case other:  # the writer isolates and logs the op; the others go on
                raise ValueError(f"unknown store op {other!r}")
    session.flush()
    if events:
        session.execute(_insert_ignoring_duplicates(session), events)
    for contact, op in callbacks:
        _promise_callback(session, contact, op)


def _set_newer(session: Session, contact: Contact, op: Op) -> None:
    """Last writer wins: a replayed older op changes nothing, except a call's start
    applied after a newer op (another IVR process's spool replayed first after an
    outage): it still fills what only it knows (ref, caller, the true start time)."""
    if op["seq"] > contact.op_seq:
        _set_fields(session, contact, op["fields"])
        contact.op_seq = op["seq"]
    elif op["op"] == "start":
        _set_fields(session, contact, {
            name: value for name, value in op["fields"].items()
            if name == "started_at" or getattr(contact, name, None) is None})


def _promise_callback(session: Session, contact: Contact, op: Op) -> None:
    """Create the callback row of a ``callback`` op unless a replay already did."""
    from ivr.callbacks.repository import request_callback  # the repository imports the models

    promise = op["callback"]
    event = _event_row(contact, {**op, "kind": "callback_promised", "data": promise})
    new = _insert_ignoring_duplicates(session).values(event).returning(ContactEvent.id)
    if session.scalar(new) is None:
        return
    request_callback(session, contact.id, promise["number"], promise["target"],
                     datetime.fromisoformat(promise["due_at"]),
                     datetime.fromisoformat(promise["promised_before"]),
                     max_attempts=promise["max_attempts"], now=datetime.fromisoformat(op["at"]))


def _load(session: Session, call_ids: Iterable[str]) -> dict[str, Contact]:
    rows = session.scalars(select(Contact).where(Contact.call_id.in_(list(call_ids))))
    return {contact.call_id: contact for contact in rows if contact.call_id}


def _create_missing(session: Session, contacts: dict[str, Contact], ops: list[Op]) -> None:
    """A row for each call not stored yet, started by its first op (an op arriving before
    the call's start still gets one), in one multi-row INSERT (a statement per contact was
    the load benchmark's largest writer item). Several IVR processes record the same
    call's queue facts, each from its own spool: another writer may create the row at the
    same moment, so an existing row is kept, and every row is read back for its id."""
    new: dict[str, dict[str, Any]] = {}
    for op in ops:
        call_id = op["call_id"]
        if call_id not in contacts and call_id not in new:
            fields = op.get("fields", {})
            started = fields.get("started_at") or op.get("at") or op["ts"]
            new[call_id] = {"call_id": call_id, "started_at": _parse_time(started), "op_seq": 0}
    if new:
        insert = _INSERTS[session.get_bind().dialect.name](Contact)
        session.execute(insert.on_conflict_do_nothing(index_elements=["call_id"]),
                        list(new.values()))
        contacts.update(_load(session, new))


def _set_fields(session: Session, contact: Contact, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        if name == "parent_call_id":
            parent = session.scalar(select(Contact.id).where(Contact.call_id == value))
            contact.parent_contact_id = parent
        elif name == "request_ref":  # an unknown reference links nothing
            contact.request_id = session.scalar(select(Request.id).where(
                Request.reference == value))
        elif name in DATETIME_FIELDS:
            setattr(contact, name, _parse_time(value))
        else:
            setattr(contact, name, value)


def _event_row(contact: Contact, op: Op) -> dict[str, Any]:
    return {
        "contact_id": contact.id,
        "seq": op["seq"],
        "at": _parse_time(op["at"]),
        "kind": op["kind"],
        "data": op.get("data") or None,
    }


def _insert_ignoring_duplicates(session: Session) -> sqlite.Insert | postgresql.Insert:
    insert = _INSERTS[session.get_bind().dialect.name]
    return insert(ContactEvent).on_conflict_do_nothing(index_elements=["contact_id", "seq"])


def _parse_time(value: str | datetime | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)
