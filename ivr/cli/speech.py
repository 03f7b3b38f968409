"""``townhall-ivr speech``: check the vosk model, transcribe a file."""

from __future__ import annotations

import time
from pathlib import Path

import click

from ivr.settings import Settings
from ivr.speech import Final, SpeechEngine, read_pcm, transcribe


def _engine(settings: Settings, model: Path | None) -> SpeechEngine:
    engine = SpeechEngine(model or settings.vosk_model, workers=1)
    if not engine.load_sync():
        raise click.ClickException("modèle de reconnaissance vocale indisponible")
    return engine


@click.group()
def speech() -> None:
    """Reconnaissance vocale (vosk) : vérifier le modèle, transcrire un fichier."""


@speech.command()
@click.option("--model", type=click.Path(path_type=Path), default=None)
@click.pass_obj
def check(settings: Settings, model: Path | None) -> None:
    """Charge le modèle et affiche ses caractéristiques."""
    engine = _engine(settings, model)
    path = engine.model_path
    assert path is not None
    size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    graph = sorted(f.name for f in (path / "graph").glob("*.fst"))
    click.echo(f"modèle : {path}\ntaille : {size / 1e6:.0f} Mo\n"
               f"graphe : {', '.join(graph) or '?'}\nchargé en {engine.load_seconds:.1f} s")
    engine.close()


@speech.command("transcribe")
@click.argument("file", type=click.Path(exists=True, path_type=Path))
@click.option("--model", type=click.Path(path_type=Path), default=None)
@click.pass_obj
def transcribe_cmd(settings: Settings, file: Path, model: Path | None) -> None:
    """Transcrit un fichier audio (tout format lu par ffmpeg)."""
    engine = _engine(settings, model)
    began = time.monotonic()
    events = transcribe(engine, read_pcm(file, engine.sample_rate))
    finals = [event for event in events if isinstance(event, Final)]
    for final in finals:
        click.echo(f"{final.text}\t(confiance {final.confidence:.2f})")
    if not finals:
        click.echo("(aucune parole reconnue)")
    click.echo(f"durée de calcul : {time.monotonic() - began:.2f} s", err=True)
    engine.close()
