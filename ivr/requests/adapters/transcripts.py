"""Callers' recordings transcribed into their request when a speech model is loaded.

A document request by phone keeps the names and the address the caller said as WAV
attachments; this worker hears them with the process's vosk model and writes the text
as a note of the request's history. It runs on its own single thread after the request
exists, so the caller never waits on the model (the store's answers have 3 s) and a
slow or failing recognition loses nothing but the note.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from pydub.exceptions import CouldntDecodeError
from sqlalchemy.exc import SQLAlchemyError

from ivr.requests.errors import RequestError
from ivr.speech import Final, SpeechEngine, read_pcm, transcribe
from ivr.store.db import Store
from ivr.store.self_service import add_transcript

log = logging.getLogger(__name__)


class RecordingTranscriber:
    """Transcribe recordings one at a time, off the call's path."""

    def __init__(self, store: Store, speech: SpeechEngine, now: Callable[[], datetime]) -> None:
        self.store, self.speech, self.now = store, speech, now
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="transcripts")

    def submit(self, reference: str, what: str, audio: bytes) -> None:
        """Queue one recording of ``reference``; nothing when no model is loaded."""
        if self.speech.available:
            self._pool.submit(self.transcribe, reference, what, audio)

    def transcribe(self, reference: str, what: str, audio: bytes) -> None:
        """Hear ``audio`` and note the words in the request (blocking)."""
        try:
            pcm = read_pcm(io.BytesIO(audio), self.speech.sample_rate)
            words = (e.text for e in transcribe(self.speech, pcm) if isinstance(e, Final))
            text = " ".join(w for w in words if w).strip()
            add_transcript(self.store, reference, what, text, self.now())
        except (CouldntDecodeError, TimeoutError, ValueError, OSError, RequestError,
                SQLAlchemyError) as exc:
            log.warning("recording not transcribed", extra={"reference": reference,
                                                            "what": what, "error": str(exc)})

    def close(self) -> None:
        """Drop what is still queued (the recordings stay attached)."""
        self._pool.shutdown(wait=False, cancel_futures=True)
