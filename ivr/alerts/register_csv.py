"""The commune's safeguard-plan register as a CSV file: parsing and validation, pure.

The register (« registre du plan communal de sauvegarde ») is kept in a spreadsheet
by the CCAS: one person a line, with a header naming the columns, in French most of
the time (``nom;telephone;courriel;adresse;personne_vulnerable``). Each problem is
reported at its line in French and the good lines are kept:

- encoding, separator and formula cells as every CSV import (``ivr.domain.csv_text``);
- header: ``nom`` and ``telephone`` are required (a file without them is refused as a
  whole); ``courriel``, ``adresse``, ``personne_vulnerable`` and ``note`` are optional
  (an absent one is reported once, the lines still go in);
- the number must be one the alert can call (French fixed, mobile or VoIP line,
  validated by ``phonenumbers``) and is stored in E.164;
- a number already seen in the file is refused (duplicate line);
- ``personne_vulnerable``: oui/non, x, 1/0, vrai/faux (empty: non).

The store applies the lines (``ivr.store.safeguard_register``), keyed by number, so
importing the same file again changes nothing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from ivr.domain.csv_text import (
    FORMULA_REFUSED,
    LineError,
    decoded_lines,
    is_formula,
    separator,
    split_cells,
)
from ivr.domain.phone_numbers import NUMBER_REASONS, check_number

MAX_BYTES = 2_000_000
MAX_LINES = 50_000
MAX_TEXT = 300
REQUIRED = ("name", "number")
# normalised header (lower case, no accent, ``_`` for spaces and dashes) → column
HEADERS = {
    "nom": "name", "nom_prenom": "name", "nom_et_prenom": "name", "name": "name",
    "telephone": "number", "tel": "number", "numero": "number", "numero_de_telephone": "number",
    "portable": "number", "phone": "number", "number": "number",
    "courriel": "email", "email": "email", "e_mail": "email", "mail": "email",
    "adresse": "address", "address": "address",
    "personne_vulnerable": "vulnerable", "vulnerable": "vulnerable", "fragile": "vulnerable",
    "note": "note", "commentaire": "note", "observations": "note",
}
COLUMN_NAMES = {"name": "nom", "number": "telephone", "email": "courriel",
                "address": "adresse", "vulnerable": "personne_vulnerable", "note": "note"}
YES = frozenset({"oui", "o", "x", "1", "vrai", "yes", "y", "true"})
NO = frozenset({"", "non", "n", "0", "faux", "no", "false"})
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


@dataclass(frozen=True)
class RegisterLine:
    """One person of the register, validated."""

    line: int
    name: str
    number: str  # E.164
    email: str | None = None
    address: str | None = None
    vulnerable: bool = False
    note: str | None = None


@dataclass(frozen=True)
class ParsedRegister:
    """Good lines, refused ones, remarks on the whole file (an optional column absent),
    and ``fatal`` when nothing can be read."""

    lines: tuple[RegisterLine, ...] = ()
    errors: tuple[LineError, ...] = ()
    warnings: tuple[str, ...] = ()
    fatal: str | None = None


@dataclass
class _Collector:
    lines: list[RegisterLine] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)
    seen: dict[str, int] = field(default_factory=dict)


def header_key(cell: str) -> str:
    """``Personne vulnérable`` → ``personne_vulnerable`` (how headers are compared)."""
    text = unicodedata.normalize("NFKD", cell.strip().lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[\s\-'’.]+", "_", text).strip("_")


def columns_of(header: list[str]) -> dict[str, int]:
    """Which column holds what, from the header line (the first of each kind wins)."""
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = HEADERS.get(header_key(cell))
        if name is not None:
            found.setdefault(name, index)
    return found


def _vulnerable(raw: str) -> bool | None:
    value = header_key(raw)
    return True if value in YES else False if value in NO else None


def _check_text(values: dict[str, str]) -> str | None:
    for name in ("name", "address", "note", "email"):
        if len(values[name]) > MAX_TEXT:
            return f"{COLUMN_NAMES[name]} trop long (au plus {MAX_TEXT} caractères)."
    if values["email"] and not _EMAIL.match(values["email"]):
        return f"adresse électronique invalide : « {values['email']} »."
    if not values["name"]:
        return "nom manquant."
    return None


def _check_row(row: list[str], columns: dict[str, int], number: int, out: _Collector) -> None:
    # an absent column, or a short line, reads as an empty cell
    values = {name: (row[columns[name]].strip() if columns.get(name, len(row)) < len(row)
                     else "") for name in COLUMN_NAMES}
    # the number is validated below and stored in E.164: « +33 6… » is no formula there
    if any(is_formula(v) for name, v in values.items() if name != "number"):
        out.errors.append(LineError(number, FORMULA_REFUSED))
        return
    problem = _check_text(values)
    checked = check_number(values["number"])
    vulnerable = _vulnerable(values["vulnerable"])
    if problem is None and not checked.ok:
        problem = f"{NUMBER_REASONS.get(checked.reason or '', 'numéro invalide')} : " \
                  f"« {values['number']} »."
    if problem is None and vulnerable is None:
        problem = (f"personne_vulnerable : « {values['vulnerable']} » n'est ni oui ni non.")
    if problem is None and checked.e164 in out.seen:
        problem = f"numéro déjà présent ligne {out.seen[checked.e164 or '']} (ligne en double)."
    if problem is not None:
        out.errors.append(LineError(number, problem))
        return
    assert checked.e164 is not None
    out.seen[checked.e164] = number
    out.lines.append(RegisterLine(number, values["name"], checked.e164,
                                  values["email"].lower() or None, values["address"] or None,
                                  bool(vulnerable), values["note"] or None))


def _missing(columns: dict[str, int], header: list[str]) -> str | None:
    absent = [COLUMN_NAMES[name] for name in REQUIRED if name not in columns]
    if not absent:
        return None
    seen = ", ".join(c.strip() for c in header if c.strip()) or "aucune"
    return (f"Ligne 1 : colonne(s) obligatoire(s) manquante(s) : {', '.join(absent)} "
            f"(colonnes trouvées : {seen}). La première ligne doit nommer les colonnes, "
            "par exemple : nom;telephone;courriel;adresse;personne_vulnerable.")


def parse_register(data: bytes) -> ParsedRegister:
    """Parse the register's CSV file (see the module docstring)."""
    if len(data) > MAX_BYTES:
        return ParsedRegister(fatal=f"Fichier trop volumineux ({len(data)} octets) : au plus "
                                    f"{MAX_BYTES} octets.")
    out = _Collector()
    texts = decoded_lines(data, out.errors)
    rows = [(n, t) for n, t in enumerate(texts, start=1) if t.strip()]
    if not rows:
        return ParsedRegister(errors=tuple(out.errors),
                              fatal="Le fichier ne contient aucune ligne.")
    if len(rows) > MAX_LINES:
        return ParsedRegister(fatal=f"Trop de lignes ({len(rows)}) : au plus {MAX_LINES}.")
    delimiter = separator(rows[0][1])
    header = split_cells(rows[0][1], delimiter)
    columns = columns_of(header)
    fatal = _missing(columns, header)
    if fatal:
        return ParsedRegister(errors=tuple(out.errors), fatal=fatal)
    warnings = tuple(f"Colonne « {COLUMN_NAMES[name]} » absente : laissée vide pour tous."
                     for name in ("email", "address", "vulnerable") if name not in columns)
    for number, text in rows[1:]:
        _check_row(split_cells(text, delimiter), columns, number, out)
    errors = tuple(sorted(out.errors, key=lambda e: e.line))
    return ParsedRegister(tuple(out.lines), errors, warnings)


def report_lines(parsed: ParsedRegister) -> list[str]:
    """The import's report in French, one sentence a line (for the CLI and the admin)."""
    if parsed.fatal:
        return [parsed.fatal, *(f"Ligne {e.line} : {e.message}" for e in parsed.errors)]
    vulnerable = sum(1 for line in parsed.lines if line.vulnerable)
    head = (f"{len(parsed.lines)} ligne(s) valide(s) dont {vulnerable} personne(s) "
            f"vulnérable(s), {len(parsed.errors)} ligne(s) refusée(s).")
    return [head, *parsed.warnings, *(f"Ligne {e.line} : {e.message}" for e in parsed.errors)]
