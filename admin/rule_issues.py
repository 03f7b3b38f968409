"""The problems ``rules check`` finds in an edited rules text, placed at the form's fields.

A form's edit is checked by the IVR's own loader (the same schema and checks as
``townhall-ivr rules check``); each problem names the key path it concerns
(« menus.demarches.options.5.target: unknown target … »). The form shows it at the
field that wrote that key, in French; a problem no field wrote stays in the page's list.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ivr.rules import RuleIssue

_PATH = re.compile(r"^([\w#*.-]+): (.*)$", re.S)
# The loader's messages (``ivr.rules``), in the words of the town hall's staff.
_FRENCH: list[tuple[re.Pattern[str], str]] = [(re.compile(p), f) for p, f in (
    (r"(\S+) is not a time of day", "{0} n’est pas une heure (de 00:00 à 23:59)."),
    (r"expected a time range like .*, got (.*)",
     "{0} n’est pas une plage horaire : écrivez « 08:30-12:00 »."),
    (r"'?([^']*)'?: the start must be before the end", "Dans « {0} », le début doit précéder "
                                                        "la fin."),
    (r"time ranges overlap or are out of order: (\S+) then (\S+)",
     "Les plages {0} et {1} se chevauchent ou ne sont pas dans l’ordre de la journée."),
    (r"unknown target '([^']*)'", "« {0} » n’est pas un service des règles."),
    (r"unknown menu '([^']*)'", "« {0} » n’est pas un menu des règles."),
    (r"unknown schedule '([^']*)'", "« {0} » n’est pas un horaire nommé des règles."),
    (r"unknown agent '([^']*)'", "« {0} » n’est pas un agent des règles."),
    (r"unknown procedure '([^']*)'", "« {0} » n’est pas une réponse enregistrée des règles."),
    (r"unknown placeholder \{(\w+)\} \(allowed here: none\)",
     "Ce message n’accepte aucune valeur entre accolades ({{{0}}})."),
    (r"unknown placeholder \{(\w+)\} \(allowed here: (.*)\)",
     "{{{0}}} n’est pas une valeur connue ici (possibles : {1})."),
    (r"malformed placeholder|template does not render|must have no format",
     "Accolades mal formées : écrivez par exemple {{spoken_name}}."),
    (r"`back` needs a parent menu", "« Revenir au menu précédent » n’a pas de sens ici : "
                                    "aucun menu ne mène à celui-ci."),
    (r"String should match pattern", "Seuls les minuscules, chiffres et tirets sont admis."),
    (r"String should have at least 1 character", "Ce champ est obligatoire."),
    (r"missing key|Field required", "Ce champ est obligatoire."),
)]


@dataclass(frozen=True)
class Placed:
    """The issues of a check, split between the form's fields and the page."""

    at_fields: dict[str, list[str]]
    rest: list[str]


def in_french(message: str) -> str:
    """A loader's message as the form shows it (unknown ones kept, introduced in French)."""
    for pattern, french in _FRENCH:
        found = pattern.search(message)
        if found:
            return french.format(*found.groups())
    return f"Refusé par la vérification des règles : {message}"


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
            rest.append(where + in_french(message))
        else:
            at_fields.setdefault(fields[owner], []).append(in_french(message))
    return Placed(at_fields, rest)
