"""Edits of ``routing_rules.yaml`` made by the admin's forms, touching only their lines.

A form changes one entry (a day of a schedule, a menu key, a message, an agent, a
closure). Dumping the whole document again, even with ruamel's round trip, re-wraps
long lines, re-indents lists and loses the column alignment administrators wrote; so
an edit here replaces, inserts or deletes just the lines of that entry in the text,
rendering the new value with ruamel in the file's one-line style (flow collections,
double-quoted texts). Every edit is then checked against the same change made on the
parsed document: a text whose meaning differs from the intended change is refused,
never published. The caller checks the result with the IVR's own loader
(``admin.rules_publish.check``) before it publishes it.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Sequence
from typing import Any, Literal

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

Section = Literal["closures", "special_days"]
KeyPath = Sequence[str | int]
# Written bare in the file (ids, schedule names, actions); other texts are double-quoted.
_BARE = re.compile(r"^[a-z][a-z0-9_-]*$")
_WORDS = {"null", "true", "false", "yes", "no", "on", "off", "y", "n"}


class StaleEdit(ValueError):
    """The entry to change is no longer the one the form showed (another edit came first)."""


def yaml() -> YAML:
    """The round-trip parser every admin edit of the rules uses."""
    parser = YAML()
    parser.preserve_quotes = True
    parser.width = 4096  # never wrap a rendered entry: one entry, one line
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


def fingerprint(entry: Any) -> str:
    """A short digest of an entry as the page shows it, posted back with a change."""
    if not isinstance(entry, dict):
        return hashlib.sha256(repr(plain(entry)).encode()).hexdigest()[:16]
    flat = sorted((str(key), str(list(value) if isinstance(value, list) else value))
                  for key, value in dict(entry).items())
    return hashlib.sha256(repr(flat).encode()).hexdigest()[:16]


def plain(node: Any) -> Any:
    """``node`` as plain dicts, lists and scalars (what the IVR's loader sees)."""
    if isinstance(node, dict):
        return {str(key): plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [plain(item) for item in node]
    return str(node) if isinstance(node, str) else node


def node_at(text: str, path: KeyPath) -> Any:
    """The value at ``path`` (None when absent)."""
    node: Any = load(text)
    for part in path:
        if isinstance(node, dict):
            node = _get(node, part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return None
    return node


# --- rendering -----------------------------------------------------------------------


def _styled(value: Any) -> Any:
    """``value`` as ruamel nodes in the file's style: flow collections, quoted texts."""
    if isinstance(value, dict):
        styled = CommentedMap((key, _styled(item)) for key, item in value.items())
        styled.fa.set_flow_style()
        return styled
    if isinstance(value, (list, tuple)):
        seq = CommentedSeq(_styled(item) for item in value)
        seq.fa.set_flow_style()
        return seq
    if isinstance(value, str) and not (_BARE.match(value) and value not in _WORDS):
        return DoubleQuotedScalarString(value)
    return value


def render(value: Any) -> str:
    """One value on one line, as the file writes it (``{label: "…", target: accueil}``)."""
    text = dump(CommentedMap([("k", _styled(value))]))
    return text.removeprefix("k:").strip()


def _key_text(key: str | int) -> str:
    """A new key as written in the file: menu keys are quoted (``"1":``)."""
    key = str(key)
    return key if _BARE.match(key) and key not in _WORDS else f'"{key}"'


# --- locating entries in the text ----------------------------------------------------


def _get(mapping: dict[Any, Any], key: str | int) -> Any:
    return next((v for k, v in mapping.items() if str(k) == str(key)), None)


def _real_key(mapping: dict[Any, Any], key: str | int) -> Any:
    return next((k for k in mapping if str(k) == str(key)), None)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _span_end(lines: list[str], start: int, col: int) -> int:
    """The last line of the entry starting on ``start`` whose key or dash sits at ``col``:
    the following lines indented deeper (comments and blank lines between entries stay)."""
    end = start
    for number in range(start + 1, len(lines)):
        stripped = lines[number].strip()
        if not stripped or stripped.startswith("#"):
            continue
        if _indent(lines[number]) <= col:
            break
        end = number
    return end


def _block_map(data: CommentedMap, path: KeyPath) -> CommentedMap:
    node: Any = data
    for part in path:
        node = _get(node, part) if isinstance(node, dict) else None
    if not isinstance(node, CommentedMap) or node.fa.flow_style():
        raise ValueError("Cette partie des règles est écrite sur une ligne : modifiez-la "
                         "dans l’éditeur des règles.")
    return node


def _entry_lines(lines: list[str], parent: CommentedMap, key: Any) -> tuple[int, int]:
    line, col = parent.lc.key(key)
    return line, _span_end(lines, line, col)


# --- edits ---------------------------------------------------------------------------


def _checked(new_lines: list[str], expected: CommentedMap) -> str:
    """The edited text, if it reads as the intended document."""
    new_text = "\n".join(new_lines) + "\n"
    if plain(load(new_text)) != plain(expected):
        raise ValueError("La modification n’a pas pu être écrite sans changer le reste du "
                         "fichier : faites-la dans l’éditeur des règles.")
    return new_text


def set_value(text: str, path: KeyPath, value: Any, before: str | None = None) -> str:
    """``text`` with the key at ``path`` set to ``value`` on the key's own line(s); a new
    key goes before the sibling ``before`` (else after the last one), aligned with its
    siblings' values."""
    data, lines = load(text), text.splitlines()
    parent, key = _block_map(data, path[:-1]), path[-1]
    existing = _real_key(parent, key)
    if existing is not None:
        first, last = _entry_lines(lines, parent, existing)
        head = re.match(r"^(\s*(?:\"[^\"]*\"|'[^']*'|[^:#]+?):\s*)", lines[first])
        prefix = head.group(1) if head and _indent(lines[first]) == parent.lc.key(existing)[1] \
            else " " * parent.lc.key(existing)[1] + f"{_key_text(key)}: "
        # a block value's key ends its line (« motives: »): the new value needs a space
        lines[first:last + 1] = [prefix + ("" if prefix.endswith(" ") else " ") + render(value)]
        parent[existing] = value
    else:
        lines = _inserted(lines, parent, key, value, before)
        _insert_key(parent, key, value, before)
    return _checked(lines, data)


def _insert_key(parent: CommentedMap, key: str | int, value: Any, before: str | None) -> None:
    keys = [str(k) for k in parent]
    position = keys.index(before) if before in keys else len(keys)
    parent.insert(position, str(key), value)


def _block(key_text: str, value: dict[str, Any], col: int) -> list[str]:
    """A new mapping written as the file's schedules are: one key a line, values aligned."""
    width = max(len(str(k)) for k in value) + 2
    return [" " * col + key_text, *(" " * (col + 2) + f"{k}:".ljust(width) + render(v)
                                     for k, v in value.items())]


def _inserted(lines: list[str], parent: CommentedMap, key: str | int, value: Any,
              before: str | None) -> list[str]:
    keys = list(parent)
    if not keys:
        raise ValueError("Cette partie des règles est vide : remplissez-la dans l’éditeur des "
                         "règles.")
    col = parent.lc.key(keys[0])[1]
    key_text = f"{_key_text(key)}:"
    if isinstance(parent[keys[-1]], CommentedMap) and not parent[keys[-1]].fa.flow_style() \
            and isinstance(value, dict) and value:
        new = _block(key_text, value, col)  # among block mappings (schedules), a block too
    else:
        gap = max(1, parent.lc.value(keys[-1])[1] - col - len(key_text))
        new = [" " * col + key_text + " " * gap + render(value)]
    at_key = _real_key(parent, before) if before is not None else None
    if at_key is not None:
        where = parent.lc.key(at_key)[0]
        while where > 0 and lines[where - 1].strip().startswith("#") \
                and _indent(lines[where - 1]) == col:
            where -= 1  # the comment above a key belongs to that key
    else:
        where = _entry_lines(lines, parent, keys[-1])[1] + 1
    return [*lines[:where], *new, *lines[where:]]


def delete(text: str, path: KeyPath) -> str:
    """``text`` without the key (or list item) at ``path`` and its lines."""
    data, lines = load(text), text.splitlines()
    parent: Any = data
    for part in path[:-1]:
        parent = _get(parent, part) if isinstance(parent, dict) else parent[int(part)]
    last = path[-1]
    if isinstance(parent, CommentedSeq) and isinstance(last, int):
        line = parent.lc.item(last)[0]
        first, end = line, _span_end(lines, line, _indent(lines[line]))
        del parent[last]
    else:
        key = _real_key(parent, last)
        if key is None:
            raise StaleEdit("Cette ligne a changé depuis l’affichage de la page : rechargez-la.")
        _block_map(data, path[:-1])
        first, end = _entry_lines(lines, parent, key)
        del parent[key]
    del lines[first:end + 1]
    return _checked(lines, data)


def append(text: str, path: KeyPath, item: Any) -> str:
    """``text`` with ``item`` added at the end of the block list at ``path`` (one line,
    like the file's other items); an absent or empty list becomes ``[item]``."""
    data = load(text)
    seq: Any = data
    for part in path:
        seq = _get(seq, part) if isinstance(seq, dict) else None
    if not isinstance(seq, CommentedSeq) or not seq or seq.fa.flow_style():
        return set_value(text, path, [*(seq or ()), item])
    lines = text.splitlines()
    last = seq.lc.item(len(seq) - 1)[0]
    dash = _indent(lines[last])
    lines.insert(_span_end(lines, last, dash) + 1, " " * dash + "- " + render(item))
    seq.append(item)
    return _checked(lines, data)


# --- closures and special days (the « Fermetures » page) ------------------------------


def entries(text: str, section: Section) -> list[dict[str, Any]]:
    """The closures (or special days) as written, in the file's order."""
    calendar = load(text).get("calendar") or {}
    return [dict(entry) for entry in calendar.get(section) or ()]


def with_entry(text: str, section: Section, entry: dict[str, Any]) -> str:
    """``text`` with ``entry`` appended to ``calendar.<section>``, on one line like the
    entries the file ships with."""
    line = {key: value for key, value in entry.items() if value not in (None, [])}
    return append(text, ("calendar", section), line)


def without_entry(text: str, section: Section, index: int, expected: str) -> str:
    """``text`` without entry ``index`` of ``calendar.<section>``, whose fingerprint must
    still be ``expected`` (what the page showed): a stale page never removes another."""
    items = entries(text, section)
    if not 0 <= index < len(items) or fingerprint(items[index]) != expected:
        raise StaleEdit("Cette ligne a changé depuis l’affichage de la page : rechargez-la.")
    return delete(text, ("calendar", section, index))
