"""Changing what the IVR says from the admin: recorded overrides and edited texts.

Files live where ``ivr.prompts.PromptLibrary`` reads them (see ``prompts/README.md``):
a recording ``<prompts_dir>/recordings/<id>.wav`` wins over the synthetic voice, and an
edited text goes to ``<prompts_dir>/overrides.yaml``, which the library merges over the
shipped ``catalogue.yaml``. After each change the prompt is rendered again into the sounds
directory, so the next call plays it without a restart.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path
from typing import IO

from ruamel.yaml import YAML

from ivr.audio_files import AudioRefused, decode_to_wav
from ivr.domain.prompt_texts import Prompt, PromptError
from ivr.prompts import PromptLibrary, load_catalogue

log = logging.getLogger(__name__)

UPLOAD_FORMATS = ("wav", "mp3", "ogg", "oga", "opus", "m4a", "mp4", "flac")
RECORDING_RATE = 16000  # kept at the best rate Asterisk plays (wav16); wav is derived
MAX_RECORDING_SECONDS = 120


def library_for(prompts_dir: Path, sounds_dir: Path) -> PromptLibrary:
    """The shipped catalogue with the town's recordings and texts kept in ``prompts_dir``."""
    return PromptLibrary(sounds_dir, prompts_dir=prompts_dir)


def install_recording(library: PromptLibrary, prompt_id: str, upload: IO[bytes]) -> Path:
    """Convert an uploaded file (plain audio only, probed first) into the prompt's recording."""
    library.text_of(Prompt(prompt_id))
    library.recordings_dir.mkdir(parents=True, exist_ok=True)
    dest = library.recordings_dir / f"{prompt_id}.wav"
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    with tempfile.NamedTemporaryFile(prefix="upload-") as raw:
        raw.write(upload.read())
        raw.flush()
        try:
            decode_to_wav(Path(raw.name), tmp, MAX_RECORDING_SECONDS, RECORDING_RATE)
        except AudioRefused as exc:
            raise PromptError(str(exc)) from exc
    _remove_recordings(library, prompt_id)
    os.replace(tmp, dest)
    library.ensure(Prompt(prompt_id), force=True)
    return dest


def remove_recording(library: PromptLibrary, prompt_id: str) -> bool:
    """Go back to the synthetic voice; False when there was no recording."""
    removed = _remove_recordings(library, prompt_id)
    if removed:
        library.ensure(Prompt(prompt_id), force=True)
    return removed


def _remove_recordings(library: PromptLibrary, prompt_id: str) -> bool:
    found = [p for p in library.recordings_dir.glob(f"{prompt_id}.*") if p.is_file()]
    for path in found:
        path.unlink()
    return bool(found)


def set_text(library: PromptLibrary, prompt_id: str, text: str | None) -> PromptLibrary:
    """Store ``text`` as the prompt's wording (None or the catalogue's: back to it).

    Returns the reloaded library, with the prompt rendered again.
    """
    library.text_of(Prompt(prompt_id))
    overrides = dict(library.overrides)
    text = " ".join(text.split()) if text else None
    if text and text != library.base_catalogue[prompt_id]:
        overrides[prompt_id] = text
    else:
        overrides.pop(prompt_id, None)
    _write_overrides(library.overrides_path, overrides)
    fresh = PromptLibrary(
        library.sounds_dir, library.catalogue_path, library.recordings_dir, library.voice,
        library.overrides_path,
    )
    fresh.ensure(Prompt(prompt_id), force=True)
    return fresh


def _write_overrides(path: Path, overrides: dict[str, str]) -> None:
    """Write ``overrides.yaml`` atomically (checked by the loader before it replaces)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("w", encoding="utf-8") as out:
        out.write("# Prompt texts changed from the admin; they win over catalogue.yaml.\n")
        YAML().dump(dict(sorted(overrides.items())), out)
    load_catalogue(tmp)
    os.replace(tmp, path)
    log.info("prompt overrides written", extra={"file": str(path), "count": len(overrides)})
