"""Load ``routing_rules.yaml`` into ``Rules``, reporting every problem with its line.

ruamel.yaml's round-trip loader remembers where each node sits (``.lc``); pydantic
reports where a value failed as a key path. Walking the key path through the parsed
document turns each pydantic error into ``file:line:col: message`` — what an
administrator editing the file (or the admin's editor) needs.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)

from ivr.domain.utf8 import NOT_UTF8, utf8_position
from ivr.rules.messages_fr import pydantic_message, read_problem, yaml_problem
from ivr.rules.references import Loc, ReferenceProblems
from ivr.rules.schema import Rules


@dataclass(frozen=True)
class RuleIssue:
    """One problem in a rules file; ``line``/``col`` are 1-based (None: whole file)."""

    path: str
    line: int | None
    col: int | None
    message: str

    def __str__(self) -> str:
        if self.line is None:
            return f"{self.path}: {self.message}"
        return f"{self.path}:{self.line}:{self.col}: {self.message}"


class RulesError(Exception):
    """The rules file is unreadable or invalid; ``issues`` lists each problem."""

    def __init__(self, issues: Sequence[RuleIssue]) -> None:
        self.issues = list(issues)
        super().__init__("\n".join(map(str, self.issues)))


def read_rules_file(path: str | Path) -> str:
    """The text of a rules file; an unreadable file is a ``RulesError`` like any other."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        issue = RuleIssue(str(path), None, None,
                          f"impossible de lire le fichier : {read_problem(exc)}")
        raise RulesError([issue]) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = utf8_position(data, exc)
        raise RulesError([RuleIssue(str(path), line, col, NOT_UTF8)]) from None


def load_rules(path: str | Path) -> Rules:
    """Read and validate the rules file at ``path``."""
    return load_rules_text(read_rules_file(path), str(path))


def load_rules_text(text: str, name: str = "routing_rules.yaml") -> Rules:
    """Validate rules given as text; ``name`` is the file name used in messages."""
    data = _parse(text, name)
    try:
        return Rules.model_validate(data)
    except ValidationError as exc:
        raise RulesError(_issues(exc, data, name)) from None


MAX_DEPTH = 32
_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?=$|[Tt ])")


def _precheck(text: str, name: str) -> None:
    """Walk the YAML events (an iterative parser) before building anything: nesting
    deeper than ``MAX_DEPTH`` would exhaust the composer's recursion, and a date such as
    ``2027-02-30`` would make the constructor raise without a position."""
    depth = 0
    for event in YAML(typ="rt").parse(text):
        mark = event.start_mark
        if isinstance(event, (MappingStartEvent, SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                too_deep = f"imbrication trop profonde (plus de {MAX_DEPTH} niveaux)"
                raise RulesError([RuleIssue(name, mark.line + 1, mark.column + 1, too_deep)])
        elif isinstance(event, (MappingEndEvent, SequenceEndEvent)):
            depth -= 1
        elif isinstance(event, ScalarEvent) and event.style is None and event.tag is None:
            _check_date(event.value, name, mark.line + 1, mark.column + 1)


def _check_date(value: str, name: str, line: int, col: int) -> None:
    if (match := _DATE.match(value)) is None:
        return
    year, month, day = (int(part) for part in match.groups())
    try:
        dt.date(year, month, day)
    except ValueError:
        why = "le mois va de 1 à 12" if not 1 <= month <= 12 else "ce jour n'existe pas"
        raise RulesError([RuleIssue(name, line, col, f"date invalide {value!r} : {why}")]) from None


@lru_cache(maxsize=8)
def _parse(text: str, name: str) -> CommentedMap:
    """The document with its positions, once per text: ruamel's round-trip parser is
    pure Python (0.6 s of CPU for the shipped 1,000 lines, counting the precheck), and
    the admin, the IVR and the tests read the same rules again and again. Validation
    builds new objects from it (the cached document is only ever read)."""
    try:
        _precheck(text, name)
        data = YAML(typ="rt").load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = yaml_problem(exc.problem)
        if exc.context_mark and exc.problem_mark and exc.context_mark.line != mark.line:
            problem += f" (bloc commencé ligne {exc.context_mark.line + 1})"
        line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
        raise RulesError([RuleIssue(name, line, col, f"syntaxe YAML : {problem}")]) from None
    except YAMLError:
        raise RulesError([RuleIssue(name, None, None, "syntaxe YAML incorrecte")]) from None
    if not isinstance(data, CommentedMap):
        raise RulesError([RuleIssue(name, 1, 1,
                                    "le fichier doit être un dictionnaire YAML (clé: valeur)")])
    return data


def _issues(exc: ValidationError, data: CommentedMap, name: str) -> list[RuleIssue]:
    issues: list[RuleIssue] = []
    for error in exc.errors():
        for loc, message, at_key in _explain(error):
            (line, col), where = _locate(data, loc, at_key)
            prefix = f"{'.'.join(where)}: " if where else ""
            issues.append(RuleIssue(name, line + 1, col + 1, prefix + message))
    return issues


def _explain(error: ErrorDetails) -> Iterator[tuple[Loc, str, bool]]:
    """(key path, message, point at the key rather than the value) for one error."""
    loc, kind = tuple(error["loc"]), error["type"]
    cause = error.get("ctx", {}).get("error")
    if isinstance(cause, ReferenceProblems):
        for sub_loc, message in cause.problems:
            yield (*loc, *sub_loc), message, False
    elif kind == "extra_forbidden":
        yield loc, f"clé inconnue {loc[-1]!r}{_did_you_mean(str(loc[-1]))}", True
    elif kind == "missing":
        yield loc, f"clé obligatoire manquante {loc[-1]!r}", True
    elif isinstance(cause, (ValueError, AssertionError)):  # our validators' own words
        yield loc, str(cause), loc[-1:] == ("[key]",)
    else:
        yield loc, pydantic_message(error), False


@cache
def _known_keys(model: type[BaseModel]) -> frozenset[str]:
    """Every key the schema knows, to suggest a correction for a typo."""
    keys: set[str] = set()
    for name, field in model.model_fields.items():
        keys.add(field.alias or name)
        for arg in (field.annotation, *get_args(field.annotation)):
            for inner in (arg, *get_args(arg)):
                if isinstance(inner, type) and issubclass(inner, BaseModel) and inner is not model:
                    keys |= _known_keys(inner)
    return frozenset(keys)


def _did_you_mean(key: str) -> str:
    known = _known_keys(Rules) - {key}  # a key known elsewhere is no suggestion here
    close = difflib.get_close_matches(key, sorted(known), n=1)
    return f" (vouliez-vous dire {close[0]!r} ?)" if close else ""


def _find(node: Mapping[Any, Any], part: str | int) -> Any:
    """The document key matching a pydantic path part (YAML keys may be integers)."""
    return next((k for k in node if k == part or str(k) == str(part)), _ABSENT)


_ABSENT = object()


def _locate(data: CommentedMap, loc: Loc, at_key: bool) -> tuple[tuple[int, int], list[str]]:
    """0-based position of ``loc`` in the document, and the parts of it found there.

    Parts absent from the document (pydantic's union tags, a missing key) are skipped,
    so the position is that of the deepest node that exists.
    """
    node: Any = data
    key_pos, value_pos, where = (0, 0), (0, 0), []
    for part in loc:
        if isinstance(node, CommentedMap) and (key := _find(node, part)) is not _ABSENT:
            key_pos, value_pos = node.lc.key(key), node.lc.value(key)
            node = node[key]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            key_pos = value_pos = node.lc.item(part)
            node = node[part]
        else:
            continue
        where.append(str(part))
    return (key_pos if at_key else value_pos), where
