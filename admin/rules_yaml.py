"""Edits of ``routing_rules.yaml`` made by the admin's forms, as a round trip.

The forms change one entry; ruamel's round trip keeps every comment, the order of the
keys and the flow style of the file's one-line entries, so that an administrator who
later opens the file finds it as it was written, plus the change. The caller checks
the edited text with the IVR's own loader (``admin.rules_publish.check``) before it
publishes it.
"""

from __future__ import annotations

import hashlib
import io
from typing import Any, Literal

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

Section = Literal["closures", "special_days"]


class StaleEdit(ValueError):
    """The entry to change is no longer the one the form showed (another edit came first)."""


def yaml() -> YAML:
    """The round-trip parser every admin edit of the rules uses."""
    parser = YAML()
    parser.preserve_quotes = True
    parser.width = 100
    return parser


def load(text: str) -> CommentedMap:
    """The rules text as an editable mapping."""
    data = yaml().load(text)
    if not isinstance(data, CommentedMap):
        raise ValueError("Le fichier de règles publié est vide ou illisible.")
    return data


def dump(data: Any) -> str:
    out = io.StringIO()
    yaml().dump(data, out)
    return out.getvalue()


def _entries(data: CommentedMap, section: Section) -> CommentedSeq:
    calendar = data.setdefault("calendar", CommentedMap())
    entries = calendar.get(section)
    if entries is None:
        entries = calendar[section] = CommentedSeq()
    return entries


def entries(text: str, section: Section) -> list[dict[str, Any]]:
    """The closures (or special days) as written, in the file's order."""
    calendar = load(text).get("calendar") or {}
    return [dict(entry) for entry in calendar.get(section) or ()]


def with_entry(text: str, section: Section, entry: dict[str, Any]) -> str:
    """``text`` with ``entry`` appended to ``calendar.<section>``, on one line like the
    entries the file ships with."""
    data = load(text)
    line = CommentedMap((key, value) for key, value in entry.items() if value not in (None, []))
    line.fa.set_flow_style()
    for key in ("departments", "hours"):
        if isinstance(line.get(key), list):
            seq = CommentedSeq(line[key])
            seq.fa.set_flow_style()
            line[key] = seq
    _entries(data, section).append(line)
    return dump(data)


def fingerprint(entry: Any) -> str:
    """A short digest of an entry as the page shows it, posted back with a removal."""
    plain = sorted((str(key), str(list(value) if isinstance(value, list) else value))
                   for key, value in dict(entry).items())
    return hashlib.sha256(repr(plain).encode()).hexdigest()[:16]


def without_entry(text: str, section: Section, index: int, expected: str) -> str:
    """``text`` without entry ``index`` of ``calendar.<section>``, whose fingerprint must
    still be ``expected`` (what the page showed): a stale page never removes another."""
    data = load(text)
    items = _entries(data, section)
    if not 0 <= index < len(items) or fingerprint(items[index]) != expected:
        raise StaleEdit("Cette ligne a changé depuis l’affichage de la page : rechargez-la.")
    del items[index]
    return dump(data)
