"""A campaign's recorded message as Asterisk plays it: uploaded in the admin or recorded
on the crisis line, probed by ffprobe and decoded (``ivr.audio_files``) into the
instance's sounds, ``<sounds_dir>/alerte-<n>.wav`` (8 kHz) and ``.wav16`` (16 kHz),
so a dialer plays it as ``sound:townhall/alerte-<n>`` like any prompt.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from ivr.audio_files import decode_to_wav
from ivr.prompts import OUTPUTS

MAX_MESSAGE_SECONDS = 180


def install_message(source: Path, sounds_dir: Path) -> Path:
    """Decode ``source`` into a new sound of the sounds directory; its ``.wav16`` path is
    the campaign's ``message_audio``. ``AudioRefused`` (French) when it is no audio."""
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
    return stem.with_name(f"{stem.name}.wav16")


def sound_name(message_audio: str) -> str:
    """The Asterisk sound name of an installed message (``townhall/alerte-…``)."""
    return f"townhall/{Path(message_audio).name.rsplit('.', 1)[0]}"
