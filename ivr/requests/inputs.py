"""Values typed by people (dates of birth…), read strictly with a French error."""

from __future__ import annotations

from datetime import date, datetime

from ivr.requests.errors import InvalidInput

DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")


def parse_date(text: str, what: str = "date") -> date:
    """``JJ/MM/AAAA`` (as French people write it) or ``AAAA-MM-JJ``; else ``InvalidInput``."""
    value = text.strip()
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise InvalidInput(f"{what[:1].upper()}{what[1:]} invalide : « {value} » "
                       "(attendu JJ/MM/AAAA ou AAAA-MM-JJ).")


def clean_text(value: str | None, what: str, limit: int | None = None) -> str | None:
    """``value`` stripped (None when empty); ``InvalidInput`` if too long or holding NUL.

    PostgreSQL refuses NUL characters and enforces column lengths that SQLite ignores:
    checking here gives the same French refusal on both instead of a database error.
    """
    if value is None or not value.strip():
        return None
    value = value.strip()
    if "\x00" in value:
        raise InvalidInput(f"{what[:1].upper()}{what[1:]} : caractère nul refusé.")
    if limit is not None and len(value) > limit:
        raise InvalidInput(f"{what[:1].upper()}{what[1:]} trop long : au plus {limit} caractères.")
    return value


def keyed_date(keyed: str) -> date | None:
    """A date keyed on a phone as JJMMAAAA, or None for anything that is not one."""
    if len(keyed) != len("JJMMAAAA") or not (keyed.isascii() and keyed.isdigit()):
        return None
    try:
        return date(int(keyed[4:]), int(keyed[2:4]), int(keyed[:2]))
    except ValueError:
        return None
