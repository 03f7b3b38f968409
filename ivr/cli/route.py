"""``townhall-ivr route``: try the intent matcher on text, one phrase or a whole file.

Operators use it to check what a citizen's sentence would do before publishing new
keywords; tests and the bench use ``--batch`` to score labelled utterances quickly.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import click

from ivr.domain.intent import IntentMatcher, IntentResult
from ivr.domain.utf8 import NOT_UTF8
from ivr.settings import Settings


def result_json(result: IntentResult, **extra: Any) -> str:
    """One result as a single JSON line (French text kept readable)."""
    payload = {
        **extra,
        "target": result.target,
        "confidence": result.confidence,
        "matched": list(result.matched),
        "decision": result.decision,
        "alternatives": [list(pair) for pair in result.alternatives],
    }
    return json.dumps(payload, ensure_ascii=False)


def batch_lines(matcher: IntentMatcher, lines: Iterable[str]) -> Iterator[str]:
    """One JSON line per input line, empty ones included, so outputs align with inputs."""
    for line in lines:
        text = line.rstrip("\r\n")
        yield result_json(matcher.match(text), text=text)


def _load_matcher(path: Path) -> IntentMatcher:
    """Build the matcher from a rules file; the loader is imported only when needed."""
    from ivr.rules import RulesError, load_rules

    try:
        return IntentMatcher.from_rules(load_rules(path))
    except RulesError as err:
        raise click.ClickException(str(err)) from err


@click.command()
@click.argument("text", required=False)
@click.option(
    "--batch",
    type=click.File("rb"),
    default=None,
    help="Fichier d'énoncés, un par ligne (« - » pour l'entrée standard).",
)
@click.option(
    "--rules",
    "rules_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Fichier de règles (par défaut celui de la configuration).",
)
@click.pass_obj
def route(
    settings: Settings, text: str | None, batch: BinaryIO | None, rules_path: Path | None
) -> None:
    """Indique vers quel service une phrase serait orientée (JSON)."""
    if (text is None) == (batch is None):
        raise click.UsageError("donnez soit un TEXTE, soit --batch FICHIER")
    matcher = _load_matcher(rules_path or settings.rules_path)
    if text is not None:
        click.echo(result_json(matcher.match(text)))
        return
    for line in batch_lines(matcher, decoded_lines(batch or (), getattr(batch, "name", "-"))):
        click.echo(line)


def decoded_lines(raw: Iterable[bytes], name: str) -> Iterator[str]:
    """UTF-8 lines of a batch file; a line that is not UTF-8 stops with ``file:line:col``."""
    for number, line in enumerate(raw, start=1):
        try:
            yield line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise click.ClickException(
                f"{name}:{number}:{exc.start + 1}: {NOT_UTF8}"
            ) from None
