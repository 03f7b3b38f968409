"""``townhall-ivr prompts``: build, list and say the prompts."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from ivr.domain.prompt_texts import Item, Prompt, PromptError, Text
from ivr.prompts import PromptLibrary, ahead_of_calls
from ivr.settings import Settings

log = logging.getLogger(__name__)


def _live_rules_texts(settings: Settings) -> list[str | Text]:
    """Texts of the live rules file; the catalogue alone when the file is invalid."""
    from ivr.rules import RulesError, load_rules
    try:
        return ahead_of_calls(load_rules(settings.rules_path))
    except (RulesError, OSError) as exc:
        log.warning("rules texts skipped", extra={"reason": str(exc) or type(exc).__name__})
        return []


@click.group()
def prompts() -> None:
    """Messages vocaux : catalogue et synthèse (espeak-ng)."""


@prompts.command()
@click.option("--force", is_flag=True, help="Tout regénérer, même sans changement.")
@click.option("--sounds-dir", type=click.Path(path_type=Path), default=None)
@click.pass_obj
def build(settings: Settings, force: bool, sounds_dir: Path | None) -> None:
    """Génère les fichiers sonores du catalogue et des règles."""
    library = PromptLibrary(sounds_dir or settings.sounds_dir, prompts_dir=settings.prompts_dir)
    report = library.build_all(_live_rules_texts(settings), force=force)
    click.echo(f"rendered={len(report.rendered)} unchanged={len(report.unchanged)} "
               f"failed={len(report.failed)} dir={library.sounds_dir}")
    for name, error in report.failed.items():
        click.echo(f"ÉCHEC {name}: {error}", err=True)
    if report.failed:
        raise SystemExit(1)


@prompts.command("list")
@click.pass_obj
def list_(settings: Settings) -> None:
    """Affiche les messages du catalogue (id, enregistrement éventuel, texte)."""
    library = PromptLibrary(settings)
    for pid, text in library.catalogue.items():
        mark = "enregistré" if library.recording_for(pid) else "synthèse"
        click.echo(f"{pid:<24} {mark:<10} {text}")


@prompts.command()
@click.argument("prompt_id", required=False)
@click.option("--text", default=None, help="Texte libre à dire.")
@click.option("--out", type=click.Path(path_type=Path), required=True)
@click.pass_obj
def say(settings: Settings, prompt_id: str | None, text: str | None, out: Path) -> None:
    """Génère un message dans un fichier pour l'écouter."""
    if (prompt_id is None) == (text is None):
        raise click.UsageError("donnez soit un ID, soit --text")
    item: Item = Prompt(prompt_id) if prompt_id else Text(text or "")
    try:
        PromptLibrary(settings).render_to(item, out)
    except PromptError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(str(out))
