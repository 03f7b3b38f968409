"""One appointment calendar of ``routing_rules.yaml`` as the admin's form edits it.

The calendars stay declared in the rules file (the IVR, the API and the CLI read them
there). The form's text fields — weekly hours, absences, motives, owners — are shaped
here into that file's YAML, merged into the published text with ruamel's round trip
(comments and every other section kept as written); the IVR's own loader then checks
the whole text (``admin.rules_publish.check``) before it is published like any other
rules change (a version, an atomic write, SIGHUP to the IVR).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from admin.rules_yaml import delete, plain, set_value, yaml

# A line of absences: « 2026-12-24 Congés » or « 2026-12-20 au 2026-12-31 Congrès ».
_ABSENCE = re.compile(r"(\d{4}-\d\d-\d\d)(?:\s+au\s+(\d{4}-\d\d-\d\d))?\s+(.+)")
_SCHEDULE = re.compile(r"[a-z0-9_-]+")  # the name of a schedule of the rules' ``schedules``
_EDITED = ("name", "spoken_name", "department", "request_type", "hours", "slot_minutes",
           "buffer_minutes", "horizon_days", "notice_hours", "absences", "motives", "owners")


class FieldError(ValueError):
    """A form field whose text cannot be turned into the rules' shape (French message)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def parse_hours(text: str) -> str | dict[str, list[str]]:
    """« mardi: 14:00-17:00, … » one day per line, or the name of a schedule of the rules."""
    lines = _lines(text)
    if len(lines) == 1 and _SCHEDULE.fullmatch(lines[0]):
        return lines[0]
    hours: dict[str, list[str]] = {}
    for line in lines:
        day, sep, ranges = line.partition(":")
        if not sep or not ranges.strip():
            raise FieldError("hours", f"« {line} » : écrivez « jour: 09:00-12:00, 14:00-17:00 ».")
        hours[day.strip().lower()] = [r.strip() for r in ranges.split(",") if r.strip()]
    if not hours:
        raise FieldError("hours", "Indiquez au moins un jour de disponibilité.")
    return hours


def parse_absences(text: str) -> list[dict[str, Any]]:
    """One absence per line: a day or « du au », then the reason."""
    absences: list[dict[str, Any]] = []
    for line in _lines(text):
        found = _ABSENCE.fullmatch(line)
        try:
            if found is None:
                raise ValueError(line)
            first, last, reason = found.groups()
            span = ({"from": date.fromisoformat(first), "to": date.fromisoformat(last)} if last
                    else {"date": date.fromisoformat(first)})
        except ValueError:
            raise FieldError("absences", f"« {line} » : écrivez « 2026-12-24 Congés » ou "
                             "« 2026-12-20 au 2026-12-31 Congrès ».") from None
        absences.append({**span, "reason": reason.strip()})
    return absences


def parse_motives(text: str) -> dict[str, str]:
    """« identifiant: libellé dit au téléphone », one per line, in the order of the keys."""
    motives: dict[str, str] = {}
    for line in _lines(text):
        key, sep, label = line.partition(":")
        if not sep or not key.strip() or not label.strip():
            raise FieldError("motives", f"« {line} » : écrivez « identifiant: libellé ».")
        motives[key.strip()] = label.strip()
    return motives


def parse_owners(text: str) -> list[str]:
    """Admin user names, separated by commas or spaces."""
    return [name for name in re.split(r"[,\s]+", text) if name]


def _hours_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return "\n".join(f"{day}: {', '.join(ranges)}" for day, ranges in value.items())


def _absences_text(value: Any) -> str:
    lines = []
    for item in value or ():
        span = (str(item["date"]) if "date" in item
                else f"{item['from']} au {item['to']}")
        lines.append(f"{span} {item['reason']}")
    return "\n".join(lines)


def form_values(rules_text: str, calendar_id: str) -> dict[str, Any]:
    """The calendar's settings as the form shows them (empty for a new calendar)."""
    data = yaml().load(rules_text) or {}
    cal = ((data.get("appointments") or {}).get("calendars") or {}).get(calendar_id)
    if cal is None:
        return {}
    return {**{key: cal.get(key) for key in _EDITED},
            "hours": _hours_text(cal.get("hours", "")),
            "absences": _absences_text(cal.get("absences")),
            "motives": "\n".join(f"{k}: {v}" for k, v in (cal.get("motives") or {}).items()),
            "owners": ", ".join(cal.get("owners") or ())}


def with_calendar(rules_text: str, calendar_id: str, values: dict[str, Any]) -> str:
    """``rules_text`` with ``calendar_id`` set to ``values``, changing only the lines of
    the keys that changed (other keys of the calendar, such as ``caldav``, the rest of
    the file and its layout kept); a new calendar is one block added at the end."""
    data = yaml().load(rules_text)
    if not isinstance(data, dict):
        raise ValueError("Le fichier de règles publié est vide ou illisible.")
    wanted = {key: values[key] for key in _EDITED if values.get(key) not in (None, "", [], {})}
    calendars = ("appointments", "calendars")
    current = ((data.get("appointments") or {}).get("calendars") or {}).get(calendar_id)
    if current is None:
        return set_value(rules_text, (*calendars, calendar_id), wanted)
    text = rules_text
    for key in _EDITED:
        if key not in wanted:
            if key in current:
                text = delete(text, (*calendars, calendar_id, key))
        elif plain(current.get(key)) != wanted[key]:
            text = set_value(text, (*calendars, calendar_id, key), wanted[key])
    return text
