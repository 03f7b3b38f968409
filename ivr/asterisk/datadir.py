"""The per-instance data directory (``astdatadir``) and music on hold.

Asterisk looks sounds up under ``astdatadir/sounds``; each instance gets its own so its
prompts play as ``townhall/<name>``, while the packaged sounds, documentation and other
data stay reachable through relative symlinks (valid both inside the chroot and on the
host). French (``fr``) merges the asterisk-core-sounds-fr-wav voice with the armelle
prompts, the core voice winning where both have a sound.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from ivr.asterisk.layout import InstanceLayout

log = logging.getLogger(__name__)

FRENCH_SOURCES = ("fr_CA_f_June", "fr")
SILENCE_SECONDS = 10


def _link(target: Path, link: Path) -> None:
    """Relative symlink ``link → target`` unless something is already there."""
    if link.is_symlink() or link.exists():
        return
    link.symlink_to(os.path.relpath(target, link.parent))


def _merge_french(system_sounds: Path, french: Path) -> None:
    french.mkdir(exist_ok=True)
    for source in FRENCH_SOURCES:
        folder = system_sounds / source
        if not folder.is_dir():
            continue
        present = {entry.name.split(".")[0] for entry in french.iterdir()}
        for entry in folder.iterdir():
            if entry.name.split(".")[0] not in present:
                _link(entry, french / entry.name)


def prepare_data_dir(layout: InstanceLayout) -> None:
    """Populate ``data/`` with links to the packaged data plus our own sounds folder."""
    system = layout.runtime.data_dir
    data = layout.dir("data")
    (data / "sounds").mkdir(parents=True, exist_ok=True)
    for entry in system.iterdir():
        if entry.name != "sounds":
            _link(entry, data / entry.name)
    for entry in (system / "sounds").iterdir():
        if entry.name != "fr":
            _link(entry, data / "sounds" / entry.name)
    _merge_french(system / "sounds", data / "sounds" / "fr")
    layout.sounds_dir.mkdir(exist_ok=True)


def prepare_hold_music(layout: InstanceLayout) -> None:
    """Link the packaged music on hold, or write silence so queues never fail on MOH."""
    moh = layout.dir("moh")
    moh.mkdir(parents=True, exist_ok=True)
    if any(moh.iterdir()):
        return
    packaged = [
        p
        for p in (
            layout.runtime.host("/usr/share/asterisk/moh"),
            layout.runtime.host("/var/lib/asterisk/moh"),
        )
        if p.is_dir()
    ]
    files = [f for folder in packaged for f in folder.iterdir() if f.is_file()]
    for file in files:
        _link(file, moh / file.name)
    if not files:
        # 8 kHz signed linear, 16 bit: zeros are silence
        (moh / "silence.sln").write_bytes(bytes(8000 * 2 * SILENCE_SECONDS))
        log.info("no packaged music on hold; using silence", extra={"moh_dir": str(moh)})
