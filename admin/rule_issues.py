"""The problems ``rules check`` finds in an edited rules text, placed at the form's fields.

A form's edit is checked by the IVR's own loader (the same schema and checks as
``townhall-ivr rules check``); each problem names the key path it concerns
(« menus.demarches.options.5.target: cible inconnue … »). The form shows it at the
field that wrote that key; a problem no field wrote stays in the page's list.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ivr.rules import RuleIssue

_PATH = re.compile(r"^([\w#*.-]+): (.*)$", re.S)


@dataclass(frozen=True)
class Placed:
    """The issues of a check, split between the form's fields and the page."""

    at_fields: dict[str, list[str]]
    rest: list[str]


def as_sentence(message: str) -> str:
    """A loader's message (already French) as a form shows it: a capital, a full stop."""
    return message[:1].upper() + message[1:] + ("" if message.endswith((".", "?")) else ".")


def place(issues: list[RuleIssue], fields: Mapping[str, str]) -> Placed:
    """Each issue at the field whose key path (``"menus.demarches.options.5"``) is the
    longest prefix of the issue's; the others, with their line, for the page."""
    at_fields: dict[str, list[str]] = {}
    rest: list[str] = []
    for issue in issues:
        found = _PATH.match(issue.message)
        path, message = found.groups() if found else ("", issue.message)
        owner = max((p for p in fields if path == p or path.startswith(p + ".")),
                    key=len, default=None)
        if owner is None:
            where = f"Ligne {issue.line} : " if issue.line else ""
            rest.append(where + as_sentence(message))
        else:
            at_fields.setdefault(fields[owner], []).append(as_sentence(message))
    return Placed(at_fields, rest)
