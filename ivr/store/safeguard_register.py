"""The safeguard-plan register in the store: one row per number, kept up to date by
importing the commune's CSV again (``ivr.alerts.register_csv`` parses it).

A line whose number is known updates that person (name, e-mail, address, the
vulnerable flag, the note) only when something changed, so importing the same file
twice changes nothing; a number missing from a later file stays (the register is
added to, never emptied by an export that lost lines). Every import is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ivr.alerts.register_csv import ParsedRegister, RegisterLine
from ivr.store.db import Store
from ivr.store.models import AuditLog, SafeguardEntry

FIELDS = ("name", "email", "address", "vulnerable", "note")


@dataclass(frozen=True)
class RegisterImport:
    """What an import did, for its report."""

    added: int
    updated: int
    unchanged: int
    refused: int


@dataclass(frozen=True)
class RegisterSize:
    people: int
    vulnerable: int


def _apply_line(session: Session, line: RegisterLine, at: datetime) -> str:
    row = session.scalar(select(SafeguardEntry).where(
        SafeguardEntry.number == line.number))
    if row is None:
        session.add(SafeguardEntry(number=line.number, imported_at=at,
                                           **{f: getattr(line, f) for f in FIELDS}))
        return "added"
    if all(getattr(row, f) == getattr(line, f) for f in FIELDS):
        return "unchanged"
    for name in FIELDS:
        setattr(row, name, getattr(line, name))
    row.imported_at = at
    return "updated"


def apply_register(store: Store, parsed: ParsedRegister, *, actor: str | None, at: datetime,
                   source: str) -> RegisterImport:
    """Apply the good lines of ``parsed`` in one transaction and audit the import."""
    outcomes = {"added": 0, "updated": 0, "unchanged": 0}
    with store.session() as session:
        for line in parsed.lines:
            outcomes[_apply_line(session, line, at)] += 1
        result = RegisterImport(**outcomes, refused=len(parsed.errors))
        session.add(AuditLog(at=at, username=actor, action="alerte_registre_importe",
                             object=source[:200], detail={**outcomes, "refused": result.refused}))
    return result


def register_size(store: Store) -> RegisterSize:
    """How many people the register holds, and how many of them are vulnerable."""
    with store.session() as session:
        people = session.scalar(select(func.count()).select_from(SafeguardEntry))
        vulnerable = session.scalar(select(func.count()).select_from(SafeguardEntry)
                                    .where(SafeguardEntry.vulnerable.is_(True)))
    return RegisterSize(people or 0, vulnerable or 0)
