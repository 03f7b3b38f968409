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
