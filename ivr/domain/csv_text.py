"""CSV files from town hall spreadsheets, read line by line: pure (bytes in, text out).

Shared by every CSV import (requests' statuses, the safeguard-plan register): files
come from everywhere, so a problem is reported at its line in French and the other
lines still go in.

- encoding: UTF-8 with or without BOM, else Windows-1252 (what spreadsheets save);
  bytes that are neither are an error of the line that holds them;
- separator ``;`` or ``,``, sniffed from the first line;
- a cell starting with ``=``, ``+``, ``-``, ``@`` (formula injection, once opened in a
  spreadsheet) is refused, except a plain number.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FORMULA_REFUSED = "cellule commençant par =, +, - ou @ refusée (formule de tableur)."


@dataclass(frozen=True)
class LineError:
    """A refused line and why, in French."""

    line: int
    message: str


def _decode_line(raw: bytes, number: int, errors: list[LineError]) -> str:
    """One line in UTF-8, else Windows-1252; undecodable bytes are an error of that line."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        errors.append(LineError(number, "caractères illisibles : enregistrez le fichier en "
                                        "UTF-8 ou en Windows-1252 (CSV Excel)."))
        return ""


def decoded_lines(data: bytes, errors: list[LineError]) -> list[str]:
    """Every line of ``data`` as text (numbered from 1 by position); undecodable lines
    are empty and reported in ``errors``."""
    data = data.removeprefix(b"\xef\xbb\xbf")
    return [_decode_line(raw, number, errors)
            for number, raw in enumerate(data.splitlines(), start=1)]


def separator(first: str) -> str:
    """``;`` or ``,``: whichever the first line holds more of."""
    return ";" if first.count(";") >= first.count(",") else ","


def split_cells(text: str, delimiter: str) -> list[str]:
    """The cells of one line (quotes as spreadsheets write them)."""
    return next(csv.reader(io.StringIO(text), delimiter=delimiter), [])


def is_formula(cell: str) -> bool:
    """Whether a spreadsheet would run ``cell`` as a formula (a plain number is not)."""
    if not cell.startswith(FORMULA_START):
        return False
    return not cell.lstrip("+-").replace(",", "").replace(".", "").isdigit()
