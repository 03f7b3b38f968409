"""French wording of the validation errors that pydantic and ruamel.yaml report in English.

An administrator reads these in ``rules check``, the admin's editor and its forms: each
error is translated by its *type* (pydantic) or its problem text (ruamel.yaml), with the
values taken from the error, and anything not in the tables gets a French generic message
rather than the library's English.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic_core import ErrorDetails

_PATTERNS = {
    r"^[a-z0-9][a-z0-9_-]*$":
        "identifiant attendu : minuscules sans accent, chiffres, « - » ou « _ »",
    r"^https://[^\s]+$": "adresse web commençant par https:// et sans espace attendue",
    r"^\+?[0-9A-Za-z_-]{1,32}$": "numéro ou extension attendu (chiffres, lettres, « - », « _ »)",
}

PYDANTIC_FR = {
    "missing": "champ obligatoire manquant",
    "extra_forbidden": "clé non prévue ici",
    "int_type": "nombre entier attendu",
    "int_parsing": "nombre entier attendu",
    "int_from_float": "nombre entier attendu (sans virgule)",
    "float_type": "nombre attendu",
    "float_parsing": "nombre attendu",
    "bool_type": "valeur oui/non attendue (true ou false)",
    "bool_parsing": "valeur oui/non attendue (true ou false)",
    "string_type": "texte attendu",
    "string_too_short": "texte trop court : au moins {min_length} caractère(s)",
    "string_too_long": "texte trop long : au plus {max_length} caractères",
    "string_pattern_mismatch": "format incorrect (motif {pattern})",
    "string_unicode": "texte illisible (caractères non valides)",
    "greater_than": "doit être supérieur à {gt}",
    "greater_than_equal": "doit être supérieur ou égal à {ge}",
    "less_than": "doit être inférieur à {lt}",
    "less_than_equal": "doit être inférieur ou égal à {le}",
    "literal_error": "valeur non permise : choisir parmi {expected}",
    "dict_type": "dictionnaire attendu (clé: valeur)",
    "model_type": "dictionnaire attendu (clé: valeur)",
    "model_attributes_type": "dictionnaire attendu (clé: valeur)",
    "list_type": "liste attendue",
    "tuple_type": "liste attendue",
    "too_short": "liste trop courte : au moins {min_length} élément(s)",
    "too_long": "liste trop longue : au plus {max_length} élément(s)",
    "date_type": "date attendue (AAAA-MM-JJ)",
    "date_parsing": "date invalide (AAAA-MM-JJ, un jour qui existe)",
    "date_from_datetime_parsing": "date invalide (AAAA-MM-JJ, un jour qui existe)",
    "date_from_datetime_inexact": "date sans heure attendue (AAAA-MM-JJ)",
    "union_tag_invalid": "valeur non reconnue ici",
    "union_tag_not_found": "valeur non reconnue ici",
    "none_required": "aucune valeur attendue ici",
    "value_error": "valeur refusée",
    "assertion_error": "valeur refusée",
}
GENERIC = "valeur refusée à cet endroit"


def pydantic_message(error: ErrorDetails) -> str:
    """The French message of one pydantic error, its constraint values filled in."""
    ctx = {key: _number(value) for key, value in error.get("ctx", {}).items()}
    template = PYDANTIC_FR.get(error["type"], GENERIC)
    if error["type"] == "string_pattern_mismatch":
        template = _PATTERNS.get(str(ctx.get("pattern")), template)
    elif error["type"] == "string_too_short" and ctx.get("min_length") == 1:
        template = "texte vide : écrivez quelque chose"
    if "expected" in ctx:
        ctx["expected"] = str(ctx["expected"]).replace(" or ", " ou ")
    try:
        message = template.format(**ctx)
    except (KeyError, IndexError, ValueError):
        message = GENERIC
    return message + _shown(error.get("input"))


def _number(value: Any) -> Any:
    """A bound as a French reader writes it: ``1`` for 1.0, ``0,5`` for 0.5."""
    if isinstance(value, float):
        return int(value) if value.is_integer() else str(value).replace(".", ",")
    return value


def _shown(value: object) -> str:
    """The offending value as written, when it is a short scalar (ruamel.yaml's subclasses
    of int, float and str shown as their base type)."""
    for kind in (bool, int, float, str):
        if isinstance(value, kind) and value != "" and len(shown := repr(kind(value))) <= 60:
            return f", pas {_number(kind(value)) if kind is float else shown}"
    return ""


# ruamel.yaml's problems (regular expression on its English text → French wording)
_YAML_PROBLEMS = (
    (r"mapping values are not allowed here",
     "« : » inattendu (une valeur contenant « : » doit être entre guillemets)"),
    (r"found character '(.*)' that cannot start any token",
     "caractère {0} interdit à cet endroit (une tabulation ? indenter avec des espaces)"),
    (r"could not find expected ':'", "« : » manquant après une clé"),
    (r"found duplicate key \"(.*?)\"", "clé « {0} » écrite deux fois"),
    (r"found unexpected end of stream", "fin du fichier inattendue (guillemet non fermé ?)"),
    (r"found undefined alias '?(.*?)'?$", "alias *{0} non défini"),
    (r"found unknown escape character '?(.*?)'?$",
     "caractère d'échappement inconnu \\{0} (doubler la barre oblique ?)"),
    (r"expected ',' or '\]'", "« , » ou « ] » manquant dans une liste entre crochets"),
    (r"expected ',' or '}'", "« , » ou « }} » manquant dans un dictionnaire entre accolades"),
    (r"expected <block end>", "indentation incohérente (alignez les clés d'un même niveau)"),
    (r"expected a comment or a line break", "texte inattendu en fin de ligne"),
    (r"found unhashable key", "une liste ou un dictionnaire ne peut pas servir de clé"),
    (r"could not determine a constructor for the tag '?(.*?)'?$", "étiquette YAML {0} inconnue"),
)


def yaml_problem(problem: str | None) -> str:
    """The French wording of a ruamel.yaml syntax problem (a generic one if unknown)."""
    for pattern, french in _YAML_PROBLEMS:
        if problem and (match := re.search(pattern, problem)):
            return french.format(*match.groups())
    return "syntaxe YAML incorrecte"


def read_problem(exc: OSError) -> str:
    """Why a rules file cannot be read, without the system's English message."""
    if isinstance(exc, FileNotFoundError):
        return "fichier introuvable"
    if isinstance(exc, PermissionError):
        return "lecture refusée (droits du fichier)"
    if isinstance(exc, IsADirectoryError):
        return "c'est un dossier, pas un fichier"
    return f"erreur système {exc.errno}"
