"""The prompts rendered into Asterisk sound files: espeak-ng, recordings, a manifest.

Prompts are synthesised with espeak-ng (French) so that a town can change a sentence
without a recording studio; a recorded file in ``prompts/recordings/<id>.<ext>``
replaces the synthetic voice. Every sound is written twice, ``<name>.wav`` (8 kHz
signed linear) and ``<name>.wav16`` (16 kHz): Asterisk picks per channel the file
that needs the cheapest translation, so G.711 calls never resample at play time and
wideband calls keep the better audio. A manifest of content hashes next to the files
means only what changed is rendered again; a shared cache directory (``cache_dir``,
files named by content hash) lets several instances render each sound once.

The catalogue ships inside the package (``ivr.package_data``); recordings and edited
texts are the town's own, kept in ``Settings.prompts_dir`` (``TOWNHALL_PROMPTS_DIR``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ruamel.yaml import YAML

from ivr.domain.prompt_texts import (
    Item,
    Prompt,
    PromptError,
    Text,
    check_catalogue,
    normalise,
    rules_texts,
)
from ivr.flow.request_status import SMS_OFFER
from ivr.package_data import PROMPTS_DIR
from ivr.requests.spoken import state_pieces
from ivr.rules import Rules
from ivr.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_CATALOGUE = PROMPTS_DIR / "catalogue.yaml"
SOUND_PREFIX = "townhall"
MANIFEST = "manifest.json"
OVERRIDES = "overrides.yaml"  # texts changed from the admin, beside the catalogue
# extension → sample rate: the two slin formats of Asterisk's format_wav module.
OUTPUTS: dict[str, int] = {"wav": 8000, "wav16": 16000}
PIECE_MARK = "\n[piece]"  # in the hash of a text rendered as a piece (``Text.piece``)
PIECE_GAP_MS = 60  # silence kept after a piece: the gap between two words


@dataclass(frozen=True)
class Voice:
    """espeak-ng parameters; part of every text hash, so a new voice re-renders all."""

    name: str = "fr+f3"
    speed: int = 150
    pitch: int = 45

    def args(self) -> list[str]:
        return ["-v", self.name, "-s", str(self.speed), "-p", str(self.pitch)]

    def key(self) -> str:
        return f"{self.name}/{self.speed}/{self.pitch}"


@dataclass
class BuildReport:
    """Outcome of :meth:`PromptLibrary.build_all`."""

    rendered: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    ready: dict[Item, str] = field(default_factory=dict)  # item → its Asterisk sound name


def load_catalogue(path: Path) -> dict[str, str]:
    """Read and validate the catalogue (ids well formed, texts non-empty)."""
    return check_catalogue(YAML(typ="safe").load(path.read_text(encoding="utf-8")), str(path))


def load_overrides(path: Path, catalogue: dict[str, str]) -> dict[str, str]:
    """Texts changed from the admin (``overrides.yaml``), for ids of the catalogue only.

    Kept out of ``catalogue.yaml`` so an upgrade of the software never loses a town's
    wording; an id that left the catalogue is ignored with a warning.
    """
    if not path.is_file():
        return {}
    overrides = load_catalogue(path)
    for unknown in sorted(set(overrides) - set(catalogue)):
        log.warning("prompt override ignored", extra={"prompt": unknown, "file": str(path)})
    return {k: v for k, v in overrides.items() if k in catalogue}


def ahead_of_calls(rules: Rules) -> list[str | Text]:
    """What the rules make the IVR say that is rendered before calls need it: their
    sentences, the pieces a request's status is said from, the offers of an SMS."""
    return [*rules_texts(rules), *state_pieces(rules), SMS_OFFER]


def synthesise(text: str, voice: Voice, out: Path) -> None:
    """Run espeak-ng into a WAV file; the text goes through stdin, never argv."""
    cmd = ["espeak-ng", *voice.args(), "-w", str(out)]
    done = subprocess.run(cmd, input=text.encode(), capture_output=True, timeout=60)
    if done.returncode != 0 or not out.exists():
        raise PromptError(f"espeak-ng failed: {done.stderr.decode(errors='replace').strip()}")


def _trim_pause(wav: Path) -> None:
    """Cut the silence espeak-ng leaves after a text down to ``PIECE_GAP_MS``."""
    from pydub import AudioSegment
    from pydub.silence import detect_leading_silence

    audio = AudioSegment.from_file(wav)
    tail = detect_leading_silence(audio.reverse(), silence_threshold=-50.0)
    keep = len(audio) - max(0, tail - PIECE_GAP_MS)
    audio[:keep].export(wav, format="wav")


def _export(source: Path, dest_stem: Path) -> None:
    """Convert any audio file to the Asterisk outputs, each written atomically."""
    from pydub import AudioSegment  # imported late: it spawns ffmpeg probes

    audio = AudioSegment.from_file(source).set_channels(1).set_sample_width(2)
    for ext, rate in OUTPUTS.items():
        final = dest_stem.with_name(f"{dest_stem.name}.{ext}")
        tmp = final.with_name(f".{final.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        audio.set_frame_rate(rate).export(tmp, format="wav")
        os.replace(tmp, final)


def _copy_atomically(source: Path, dest: Path) -> None:
    """Copy through a private temporary name: readers see the whole file or none."""
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    shutil.copyfile(source, tmp)
    os.replace(tmp, dest)


def _cache_files(cache_dir: Path, digest: str) -> dict[str, Path]:
    """The shared cache's files of a content hash, one per output format."""
    key = digest.replace(":", "-")
    return {ext: cache_dir / f"{key}.{ext}" for ext in OUTPUTS}


class PromptLibrary:
    """Maps prompts and texts to Asterisk sound names, rendering them on demand.

    Blocking and thread-safe: the asyncio caller runs :meth:`sound_for` in a thread;
    one lock per sound name stops two calls rendering the same file at once.
    ``cache_dir``, when given, is shared with other libraries (other instances, other
    processes): a sound rendered there once is copied instead of rendered again.
    """

    def __init__(
        self,
        sounds: Settings | Path | str,
        catalogue_path: Path | None = None,
        recordings_dir: Path | None = None,
        voice: Voice | None = None,
        overrides_path: Path | None = None,
        cache_dir: Path | None = None,
        prompts_dir: Path | None = None,
    ) -> None:
        sounds_dir = sounds.sounds_dir if isinstance(sounds, Settings) else Path(sounds)
        if prompts_dir is None and isinstance(sounds, Settings):
            prompts_dir = sounds.prompts_dir
        self.sounds_dir = sounds_dir
        self.catalogue_path = catalogue_path or DEFAULT_CATALOGUE
        # the town's recordings and edited texts: beside the catalogue unless elsewhere
        own = prompts_dir or self.catalogue_path.parent
        self.recordings_dir = recordings_dir or own / "recordings"
        self.overrides_path = overrides_path or own / OVERRIDES
        self.voice = voice or Voice()
        self.cache_dir = cache_dir
        self.base_catalogue = load_catalogue(self.catalogue_path)
        self.overrides = load_overrides(self.overrides_path, self.base_catalogue)
        self.catalogue = {**self.base_catalogue, **self.overrides}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self._manifest = self._read_manifest()

    # -- names and sources -------------------------------------------------------

    def text_of(self, prompt: Prompt) -> str:
        """The French text of a catalogue prompt (for display, logs, or saying it)."""
        try:
            return self.catalogue[prompt.id]
        except KeyError:
            raise PromptError(f"unknown prompt id {prompt.id!r}") from None

    def name_of(self, item: Item) -> str:
        """File name: the id for prompts, ``t-<sha1>`` of text and voice for texts."""
        if isinstance(item, Prompt):
            self.text_of(item)
            return item.id
        key = f"{self.voice.key()}\n{normalise(item.text)}{PIECE_MARK * item.piece}"
        return "t-" + hashlib.sha1(key.encode()).hexdigest()[:12]

    def recording_for(self, prompt_id: str) -> Path | None:
        """The recorded override of a prompt, if an operator dropped one in."""
        if not self.recordings_dir.is_dir():
            return None
        found = sorted(p for p in self.recordings_dir.glob(f"{prompt_id}.*") if p.is_file())
        return found[0] if found else None

    def _digest(self, item: Item) -> tuple[str, Path | None]:
        """Content hash of what would be rendered, and the recording if one wins."""
        recording = self.recording_for(item.id) if isinstance(item, Prompt) else None
        if recording is not None:
            return "rec:" + hashlib.sha1(recording.read_bytes()).hexdigest(), recording
        text = self.text_of(item) if isinstance(item, Prompt) else normalise(item.text)
        if not text:
            raise PromptError("cannot render an empty text")
        piece = PIECE_MARK if isinstance(item, Text) and item.piece else ""
        key = f"{self.voice.key()}\n{text}{piece}"
        return "tts:" + hashlib.sha1(key.encode()).hexdigest(), None

    # -- rendering ---------------------------------------------------------------

    def sound_for(self, item: Item, force: bool = False) -> str:
        """Return ``townhall/<name>``, rendering the files first if missing or stale."""
        self.ensure(item, force=force)
        return f"{SOUND_PREFIX}/{self.name_of(item)}"

    def ensure(self, item: Item, force: bool = False) -> bool:
        """Render ``item`` unless up to date; True when it was rendered."""
        name = self.name_of(item)
        digest, recording = self._digest(item)
        if not force and self._fresh(name, digest):
            return False
        with self._lock_for(name):
            if not force and self._fresh(name, digest):
                return False  # another thread rendered it while we waited
            self.sounds_dir.mkdir(parents=True, exist_ok=True)
            cached = self._copy_cached(digest, name)
            if not cached:
                with self._source(item, recording) as source:
                    _export(source, self.sounds_dir / name)
                self._publish(digest, name)
            self._record(name, digest)
        origin = "cache" if cached else "recording" if recording else "espeak-ng"
        log.info("prompt rendered", extra={"prompt": name, "source": origin})
        return True

    def _copy_cached(self, digest: str, name: str) -> bool:
        """Copy the shared cache's files of ``digest`` to ``name``; False if absent."""
        if self.cache_dir is None:
            return False
        cached = _cache_files(self.cache_dir, digest)
        if not all(path.is_file() for path in cached.values()):
            return False
        for ext, path in cached.items():
            _copy_atomically(path, self.sounds_dir / f"{name}.{ext}")
        return True

    def _publish(self, digest: str, name: str) -> None:
        """Offer freshly rendered files to the shared cache (atomically: others read it)."""
        if self.cache_dir is None:
            return
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        for ext, path in _cache_files(self.cache_dir, digest).items():
            _copy_atomically(self.sounds_dir / f"{name}.{ext}", path)

    def render_to(self, item: Item, out: Path) -> Path:
        """Render one item into an arbitrary file (format from its extension)."""
        from pydub import AudioSegment

        _, recording = self._digest(item)
        with self._source(item, recording) as source:
            audio = AudioSegment.from_file(source)
            audio.export(out, format=out.suffix.lstrip(".") or "wav")
        return out

    def build_all(self, extra_texts: Iterable[str | Text] = (),
                  force: bool = False) -> BuildReport:
        """Render the catalogue and the given texts (rules' messages, menu sentences,
        the pieces of sentences said from several sounds)."""
        items: list[Item] = [Prompt(pid) for pid in self.catalogue]
        texts = (Text(t) if isinstance(t, str) else t for t in extra_texts)
        items += dict.fromkeys(Text(normalise(t.text), t.piece) for t in texts if t.text.strip())
        report = BuildReport()
        for index, item in enumerate(items, 1):
            name = self.name_of(item)
            try:
                changed = self.ensure(item, force=force)
            except (PromptError, OSError, subprocess.SubprocessError) as exc:
                report.failed[name] = str(exc)
                log.error("prompt failed", extra={"prompt": name, "error": str(exc)})
                continue
            report.ready[item] = f"{SOUND_PREFIX}/{name}"
            (report.rendered if changed else report.unchanged).append(name)
            log.debug("prompt build progress", extra={"done": index, "total": len(items)})
        log.info(
            "prompts built",
            extra={"rendered": len(report.rendered), "unchanged": len(report.unchanged),
                   "failed": len(report.failed)},
        )
        return report

    @contextmanager
    def _source(self, item: Item, recording: Path | None) -> Iterator[Path]:
        """Yield an audio file to convert: the recording, or a fresh espeak-ng WAV."""
        if recording is not None:
            yield recording
            return
        text = self.text_of(item) if isinstance(item, Prompt) else normalise(item.text)
        with tempfile.TemporaryDirectory(prefix="tts-") as tmp:
            wav = Path(tmp) / "speech.wav"
            synthesise(text, self.voice, wav)
            if isinstance(item, Text) and item.piece:
                _trim_pause(wav)
            yield wav

    # -- manifest ----------------------------------------------------------------

    def _lock_for(self, name: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(name, threading.Lock())

    def _fresh(self, name: str, digest: str) -> bool:
        files = (self.sounds_dir / f"{name}.{ext}" for ext in OUTPUTS)
        return self._manifest.get(name) == digest and all(f.exists() for f in files)

    def _read_manifest(self) -> dict[str, str]:
        path = self.sounds_dir / MANIFEST
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def _record(self, name: str, digest: str) -> None:
        """Store the hash of a rendered name; the manifest file is replaced atomically.

        Two processes (a CLI build beside the running IVR) may drop each other's
        entries: that only costs one needless re-render, never a wrong sound.
        """
        with self._guard:
            self._manifest[name] = digest
            snapshot = json.dumps(self._manifest, indent=1, sort_keys=True)
            tmp = self.sounds_dir / f".{MANIFEST}.{os.getpid()}.tmp"
            tmp.write_text(snapshot)
            os.replace(tmp, self.sounds_dir / MANIFEST)
