"""Bulk status updates from a CSV file: parsing and validation, pure (bytes in, lines out).

A town hall receives a batch (« les cartes d'identité arrivées ce matin ») as a
spreadsheet export: ``reference;statut[;note]``. Files come from everywhere, so each
problem is reported at its line in French and the good lines still go in:

- encoding: UTF-8 with or without BOM, else Windows-1252 (what spreadsheets save);
  bytes that are neither are reported with the first line that holds them;
- separator ``;`` or ``,`` (sniffed from the header line); empty lines are skipped;
- a header line naming the columns is optional (``reference``, ``statut``/``status``,
  ``note``/``commentaire``);
- a cell starting with ``=``, ``+``, ``-``, ``@`` (formula injection, once opened in a
  spreadsheet) is refused, except a plain negative number (none is expected anyway);
- a reference already seen in the file is refused (duplicate line);
- at most ``MAX_BYTES`` and ``MAX_LINES``.

Which statuses exist depends on each request's type, so the store checks them when it
applies the lines (``ivr.store.requests.apply_import``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ivr.domain.csv_text import (
    FORMULA_REFUSED,
    LineError,
    decoded_lines,
    is_formula,
    separator,
    split_cells,
)
from ivr.requests.errors import InvalidReference
from ivr.requests.reference import normalise

MAX_BYTES = 2_000_000
MAX_LINES = 20_000
MAX_NOTE = 1000
_HEADERS = {
    "reference": "reference", "référence": "reference", "ref": "reference",
    "statut": "status", "status": "status",
    "note": "note", "commentaire": "note",
}


@dataclass(frozen=True)
class ImportLine:
    """A line that parsed well: one request to move to ``status``."""

    line: int  # 1-based line number in the file
    reference: str
    status: str  # as written: a status id or label, resolved against the request's type
    note: str | None = None


@dataclass(frozen=True)
class ParsedImport:
    """Good lines and refused ones; ``fatal`` when the file as a whole is unusable."""

    lines: tuple[ImportLine, ...] = ()
    errors: tuple[LineError, ...] = ()
    fatal: str | None = None


@dataclass
class _Collector:
    lines: list[ImportLine] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)
    seen: dict[str, int] = field(default_factory=dict)


def _columns(header: list[str]) -> dict[str, int] | None:
    """Column positions when the first row is a header naming them, else None."""
    names = [_HEADERS.get(cell.strip().lower()) for cell in header]
    if "reference" not in names or "status" not in names:
        return None
    return {name: i for i, name in enumerate(names) if name}


def _check_row(cells: list[str], columns: dict[str, int], number: int,
               out: _Collector) -> None:
    def cell(name: str) -> str:
        index = columns.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    if any(is_formula(c.strip()) for c in cells):
        out.errors.append(LineError(number, FORMULA_REFUSED))
        return
    reference, status, note = cell("reference"), cell("status"), cell("note")
    if not reference or not status:
        out.errors.append(LineError(number, "il faut une référence et un statut."))
        return
    try:
        reference = normalise(reference)
    except InvalidReference as exc:
        out.errors.append(LineError(number, exc.message))
        return
    if reference in out.seen:
        out.errors.append(LineError(number, f"référence déjà présente ligne {out.seen[reference]} "
                                            "(ligne en double)."))
        return
    if len(note) > MAX_NOTE:
        out.errors.append(LineError(number, f"note trop longue (au plus {MAX_NOTE} caractères)."))
        return
    out.seen[reference] = number
    out.lines.append(ImportLine(number, reference, status, note or None))


def size_refusal(size: int) -> str | None:
    """The French refusal of a file of ``size`` bytes, or None when it is small enough.

    Callers holding a file or an upload check its size first, before reading it.
    """
    if size <= MAX_BYTES:
        return None
    return (f"Fichier trop volumineux ({size} octets) : au plus {MAX_BYTES} octets, "
            "découpez-le en plusieurs fichiers.")


def parse_import(data: bytes) -> ParsedImport:
    """Parse a CSV file of ``reference;statut[;note]`` lines (see the module docstring)."""
    refusal = size_refusal(len(data))
    if refusal:
        return ParsedImport(fatal=refusal)
    out = _Collector()
    texts = decoded_lines(data, out.errors)
    rows = [(n, t) for n, t in enumerate(texts, start=1) if t.strip()]
    if len(rows) > MAX_LINES:
        return ParsedImport(fatal=f"Trop de lignes ({len(rows)}) : au plus {MAX_LINES} par "
                                  "fichier, découpez-le en plusieurs fichiers.")
    if not rows:
        return ParsedImport(errors=tuple(out.errors), fatal="Le fichier ne contient aucune ligne.")
    delimiter = separator(rows[0][1])
    columns = {"reference": 0, "status": 1, "note": 2}
    for index, (number, text) in enumerate(rows):
        row = split_cells(text, delimiter)
        header = _columns(row) if index == 0 else None
        if header is not None:
            columns = header
            continue
        _check_row(row, columns, number, out)
    errors = sorted(out.errors, key=lambda e: e.line)
    return ParsedImport(tuple(out.lines), tuple(errors))
