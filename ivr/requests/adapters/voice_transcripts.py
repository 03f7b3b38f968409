"""Spoken complaints and suggestions written out by the speech model (vosk).

The caller hears the reference at once: the recording is transcribed afterwards in a
thread of its own (a three-minute message takes seconds to minutes of CPU), and the
text is added to the request. Without a loaded model nothing is done; a recording the
model cannot read is logged and the request keeps its WAV only.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from pydub.exceptions import CouldntDecodeError
from sqlalchemy.exc import SQLAlchemyError

from ivr.requests.errors import RequestError
from ivr.speech import Final, SpeechEngine, SpeechUnavailable, read_pcm, transcribe
from ivr.store.db import Store
from ivr.store.voice_requests import Transcribe, add_transcript

log = logging.getLogger(__name__)
Later = Callable[[Callable[[], None]], None]


def in_thread(work: Callable[[], None]) -> None:
    """Run ``work`` in a daemon thread (the default of ``transcriber``)."""
    threading.Thread(target=work, name="voice-transcript", daemon=True).start()


def transcript_of(engine: SpeechEngine, wav: Path) -> str:
    """The words the model heard in ``wav`` (blocking)."""
    events = transcribe(engine, read_pcm(wav, engine.sample_rate))
    return " ".join(e.text for e in events if isinstance(e, Final) and e.text).strip()


def transcriber(store: Store, engine: SpeechEngine, now: Callable[[], datetime],
                later: Later = in_thread) -> Transcribe:
    """The ``transcribe`` hook of ``file_voice_request`` for this engine."""

    def hook(reference: str, wav: Path) -> None:
        if not engine.available:
            return

        def work() -> None:
            try:
                add_transcript(store, reference, transcript_of(engine, wav), at=now())
            except (OSError, TimeoutError, ValueError, CouldntDecodeError, SpeechUnavailable,
                    RequestError, SQLAlchemyError) as exc:
                log.warning("voice request not transcribed: %s", exc,
                            extra={"reference": reference})

        later(work)

    return hook
