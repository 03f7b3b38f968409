"""Bulk status updates (the CSV import) applied to the store, in batches.

Each line is applied whole or not at all and the good lines go in even when others are
refused: every check of a line (request found, in the importer's departments, status
known for its type, transition allowed, note) runs before that line changes anything,
so a refused line leaves its request untouched inside the batch's transaction.
``BATCH`` lines share one transaction and one read of their requests (10,000 lines in
one transaction each took minutes). Should another agent change one of a batch's
requests meanwhile (the version check fails at flush), that batch is rolled back and
replayed line by line, each in its own transaction, so the race costs one line at most.

A line whose request already has the status is « déjà à jour » (no history line), so
importing the same file twice changes nothing the second time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ivr.requests import lifecycle
from ivr.requests.csv_import import ImportLine, ParsedImport
from ivr.requests.errors import RequestError, UnknownReference
from ivr.requests.reference import grouped
from ivr.rules import Rules
from ivr.store.db import Store
from ivr.store.models import Request
from ivr.store.requests import Audit, _actor, _move, _refuse_silent_close, request_row

BATCH = 500
APPLIED, ALREADY, REFUSED = "appliquée", "déjà à jour", "refusée"


@dataclass(frozen=True)
class ImportResult:
    """What happened to one line of an import."""

    line: int
    reference: str | None
    outcome: str  # appliquée | déjà à jour | refusée
    message: str


@dataclass(frozen=True)
class ImportReport:
    """Line-by-line report of ``apply_import``; ``fatal`` when the file was refused whole."""

    results: tuple[ImportResult, ...]
    fatal: str | None = None

    def count(self, outcome: str) -> int:
        """Lines with ``outcome`` (appliquée, déjà à jour, refusée)."""
        return sum(r.outcome == outcome for r in self.results)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form with totals."""
        return {"fatal": self.fatal, "applied": self.count(APPLIED),
                "unchanged": self.count(ALREADY), "refused": self.count(REFUSED),
                "lines": [r.__dict__ for r in self.results]}


@dataclass(frozen=True)
class _Importer:
    """Who imports, when, under which rules, for which departments (None: all)."""

    rules: Rules
    actor: str
    at: datetime
    audit: Audit | None
    departments: frozenset[str] | None

    def decide(self, session: Session, row: Request, line: ImportLine) -> ImportResult:
        """Check the line against its request and move it; a refusal changes nothing."""
        if self.departments is not None and row.department not in self.departments:
            found = self.rules.departments.get(row.department)
            return _refused(line, f"La demande {grouped(row.reference)} relève du service "
                                  f"« {found.name if found else row.department} » : "
                                  "vous ne pouvez pas la modifier.")
        try:
            target = lifecycle.status_id(self.rules, row.type, line.status)
            label = lifecycle.status(self.rules, row.type, target).label
            if row.status == target:
                return ImportResult(line.line, line.reference, ALREADY,
                                    f"déjà au statut « {label} »")
            _refuse_silent_close(self.rules, row, target)
            _move(session, self.rules, row, target, self.actor, self.at, line.note)
        except RequestError as exc:
            return _refused(line, exc.message)
        return ImportResult(line.line, line.reference, APPLIED, f"passée au statut « {label} »")

    def audited(self, session: Session, results: Sequence[ImportResult]) -> None:
        if self.audit is not None:
            for result in results:
                if result.outcome == APPLIED and result.reference:
                    self.audit(session, result.reference)


def _refused(line: ImportLine, message: str) -> ImportResult:
    return ImportResult(line.line, line.reference, REFUSED, message)


def _unknown(line: ImportLine) -> ImportResult:
    return _refused(line, f"Aucune demande ne porte la référence {grouped(line.reference)}.")


def _apply_batch(store: Store, importer: _Importer,
                 lines: Sequence[ImportLine]) -> list[ImportResult]:
    """The lines in one transaction; replayed one by one if a request changed meanwhile."""
    try:
        with store.session() as session:
            rows = {row.reference: row for row in session.scalars(select(Request).where(
                Request.reference.in_([line.reference for line in lines])))}
            with session.no_autoflush:  # one UPDATE (one version step) per request
                results = [importer.decide(session, rows[line.reference], line)
                           if line.reference in rows else _unknown(line) for line in lines]
            session.flush()
            importer.audited(session, results)
            return results
    except StaleDataError:
        return [_apply_alone(store, importer, line) for line in lines]


def _apply_alone(store: Store, importer: _Importer, line: ImportLine) -> ImportResult:
    """One line in its own transaction (after a lost race in its batch)."""
    try:
        with store.session() as session:
            row = request_row(session, line.reference)
            with session.no_autoflush:
                result = importer.decide(session, row, line)
            session.flush()
            importer.audited(session, [result])
            return result
    except UnknownReference:
        return _unknown(line)
    except StaleDataError:
        return _refused(line, f"La demande {grouped(line.reference)} vient d'être modifiée par "
                              "quelqu'un d'autre : vérifiez-la, puis réimportez cette ligne.")


def apply_import(store: Store, rules: Rules, parsed: ParsedImport, *, actor: str,
                 at: datetime, audit: Audit | None = None,
                 departments: frozenset[str] | None = None) -> ImportReport:
    """Apply the parsed lines in batches; refused lines do not stop the others.

    ``departments``: the importer's (an agent's own); a line naming a request of another
    department is refused. None: every department (superviseurs, the CLI).
    """
    if parsed.fatal:
        return ImportReport((), parsed.fatal)
    importer = _Importer(rules, _actor(actor), at, audit, departments)
    results = [ImportResult(e.line, None, REFUSED, e.message) for e in parsed.errors]
    for start in range(0, len(parsed.lines), BATCH):
        results.extend(_apply_batch(store, importer, parsed.lines[start:start + BATCH]))
    return ImportReport(tuple(sorted(results, key=lambda r: r.line)))
