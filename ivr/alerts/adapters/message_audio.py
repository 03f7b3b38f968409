"""A campaign's recorded message as Asterisk plays it: uploaded in the admin or recorded
on the crisis line, probed by ffprobe and decoded (``ivr.audio_files``) into the
instance's sounds, ``<sounds_dir>/alerte-<n>.wav`` (8 kHz) and ``.wav16`` (16 kHz).
The campaign keeps its sound name, ``townhall/alerte-<n>``: a dialer plays it as
``sound:townhall/alerte-<n>`` like any prompt (a host path would not be Asterisk's,
whose root is its own).
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path
from typing import IO

from ivr.audio_files import decode_to_wav
from ivr.prompts import OUTPUTS

MAX_MESSAGE_SECONDS = 180


def install_message(source: Path, sounds_dir: Path) -> str:
    """Decode ``source`` into a new sound of the sounds directory; its name is the
    campaign's ``message_audio``. ``AudioRefused`` (French) when it is no audio."""
    sounds_dir.mkdir(parents=True, exist_ok=True)
    stem = sounds_dir / f"alerte-{secrets.token_hex(6)}"
    done: list[Path] = []
    try:
        for ext, rate in OUTPUTS.items():
            final = stem.with_name(f"{stem.name}.{ext}")
            tmp = final.with_name(f".{final.name}.{os.getpid()}.tmp")
            decode_to_wav(source, tmp, MAX_MESSAGE_SECONDS, rate)
            os.replace(tmp, final)
            done.append(final)
    except BaseException:
        for path in done:
            path.unlink(missing_ok=True)
        raise
    return f"{sounds_dir.name}/{stem.name}"


def install_upload(upload: IO[bytes], sounds_dir: Path) -> str:
    """``install_message`` of an uploaded file (admin form or API), which ffprobe reads
    from a private temporary file."""
    with tempfile.NamedTemporaryFile(prefix="alerte-") as raw:
        raw.write(upload.read())
        raw.flush()
        return install_message(Path(raw.name), sounds_dir)


def remove_message(sounds_dir: Path, name: str) -> None:
    """Delete an installed message's files: its campaign was refused, nothing plays it."""
    stem = sound_path(sounds_dir, name).with_suffix("")
    for ext in OUTPUTS:
        stem.with_name(f"{stem.name}.{ext}").unlink(missing_ok=True)


def sound_path(sounds_dir: Path, name: str) -> Path:
    """The 16 kHz file of an installed message's sound ``name``."""
    return sounds_dir.parent / f"{name}.wav16"
