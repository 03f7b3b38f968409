"""What the IVR says: the prompt catalogue and its rendering into Asterisk sound files.

Prompts are synthesised with espeak-ng (French) so that a town can change a sentence
without a recording studio; a recorded file in ``prompts/recordings/<id>.<ext>``
replaces the synthetic voice. Every sound is written twice, ``<name>.wav`` (8 kHz
signed linear) and ``<name>.wav16`` (16 kHz): Asterisk picks per channel the file
that needs the cheapest translation, so G.711 calls never resample at play time and
wideband calls keep the better audio. A manifest of content hashes next to the files
means only what changed is rendered again; a shared cache directory (``cache_dir``,
files named by content hash) lets several instances render each sound once.

The catalogue is found relative to the package (``<checkout>/prompts/catalogue.yaml``),
which works from a checkout or an editable install; other layouts pass
``catalogue_path`` explicitly.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import click
from ruamel.yaml import YAML

from ivr.settings import Settings

if TYPE_CHECKING:
    from ivr.rules import Rules

log = logging.getLogger(__name__)

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"
DEFAULT_CATALOGUE = PROMPTS_DIR / "catalogue.yaml"
SOUND_PREFIX = "townhall"
MANIFEST = "manifest.json"
OVERRIDES = "overrides.yaml"  # texts changed from the admin, beside the catalogue
# extension → sample rate: the two slin formats of Asterisk's format_wav module.
OUTPUTS: dict[str, int] = {"wav": 8000, "wav16": 16000}
_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


class PromptError(Exception):
    """A prompt cannot be found or rendered."""


@dataclass(frozen=True)
class Prompt:
    """A catalogue entry, named by its id."""

    id: str


@dataclass(frozen=True)
class Text:
    """Free French text (from the rules or built at run time)."""

    text: str


Item = Prompt | Text


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


def _normalise(text: str) -> str:
    """Collapse whitespace so YAML folding or indentation never changes a name."""
    return " ".join(text.split())


def load_catalogue(path: Path) -> dict[str, str]:
    """Read and validate the catalogue (ids well formed, texts non-empty)."""
    data = YAML(typ="safe").load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise PromptError(f"{path}: expected a mapping of prompt id to text")
    catalogue: dict[str, str] = {}
    for key, value in data.items():
        if not isinstance(key, str) or not _ID.match(key):
            raise PromptError(f"{path}: bad prompt id {key!r} (use lowercase-with-dashes)")
        if not isinstance(value, str) or not value.strip():
            raise PromptError(f"{path}: prompt {key!r} has no text")
        catalogue[key] = _normalise(value)
    return catalogue


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


def synthesise(text: str, voice: Voice, out: Path) -> None:
    """Run espeak-ng into a WAV file; the text goes through stdin, never argv."""
    cmd = ["espeak-ng", *voice.args(), "-w", str(out)]
    done = subprocess.run(cmd, input=text.encode(), capture_output=True, timeout=60)
    if done.returncode != 0 or not out.exists():
        raise PromptError(f"espeak-ng failed: {done.stderr.decode(errors='replace').strip()}")


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
    ) -> None:
        sounds_dir = sounds.sounds_dir if isinstance(sounds, Settings) else Path(sounds)
        self.sounds_dir = sounds_dir
        self.catalogue_path = catalogue_path or DEFAULT_CATALOGUE
        self.recordings_dir = recordings_dir or self.catalogue_path.parent / "recordings"
        self.overrides_path = overrides_path or self.catalogue_path.parent / OVERRIDES
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
        key = f"{self.voice.key()}\n{_normalise(item.text)}"
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
        text = self.text_of(item) if isinstance(item, Prompt) else _normalise(item.text)
        if not text:
            raise PromptError("cannot render an empty text")
        key = f"{self.voice.key()}\n{text}"
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

    def build_all(self, extra_texts: Iterable[str] = (), force: bool = False) -> BuildReport:
        """Render the catalogue and the given texts (rules' messages, menu sentences)."""
        items: list[Item] = [Prompt(pid) for pid in self.catalogue]
        texts = dict.fromkeys(_normalise(t) for t in extra_texts)
        items += [Text(t) for t in texts if t]
        report = BuildReport()
        for index, item in enumerate(items, 1):
            name = self.name_of(item)
            try:
                changed = self.ensure(item, force=force)
            except (PromptError, OSError, subprocess.SubprocessError) as exc:
                report.failed[name] = str(exc)
                log.error("prompt failed", extra={"prompt": name, "error": str(exc)})
                continue
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
        text = self.text_of(item) if isinstance(item, Prompt) else _normalise(item.text)
        with tempfile.TemporaryDirectory(prefix="tts-") as tmp:
            wav = Path(tmp) / "speech.wav"
            synthesise(text, self.voice, wav)
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


def rules_texts(rules: Rules) -> list[str]:
    """What the rules make the IVR say that can be rendered ahead of calls.

    Messages with placeholders (« … {spoken_name}. ») are rendered once per department
    for ``transfer``; the others (closed-hours sentences with a date) on demand.
    """
    texts = [v for v in rules.messages.model_dump().values() if "{" not in v]
    texts += [menu.spoken_text() for menu in rules.menus.values()]
    texts += [rules.messages.transfer.format(spoken_name=dept.spoken_name)
              for dept in rules.departments.values() if not dept.answered_by_ivr]
    return texts


def _live_rules_texts(settings: Settings) -> list[str]:
    """Texts of the live rules file; the catalogue alone when the file is invalid."""
    from ivr.rules import RulesError, load_rules
    try:
        return rules_texts(load_rules(settings.rules_path))
    except (RulesError, OSError) as exc:
        log.warning("rules texts skipped", extra={"reason": str(exc) or type(exc).__name__})
        return []


# -- command line ------------------------------------------------------------------


@click.group()
def prompts() -> None:
    """Messages vocaux : catalogue et synthèse (espeak-ng)."""


@prompts.command()
@click.option("--force", is_flag=True, help="Tout regénérer, même sans changement.")
@click.option("--sounds-dir", type=click.Path(path_type=Path), default=None)
@click.pass_obj
def build(settings: Settings, force: bool, sounds_dir: Path | None) -> None:
    """Génère les fichiers sonores du catalogue et des règles."""
    library = PromptLibrary(sounds_dir or settings.sounds_dir)
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
    library = PromptLibrary(settings.sounds_dir)
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
        PromptLibrary(settings.sounds_dir).render_to(item, out)
    except PromptError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(str(out))
