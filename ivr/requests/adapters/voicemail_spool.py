"""Asterisk's voicemail spool → requests: the reader and the ingestion worker.

Where it runs: in the IVR process (``ivr.app``), which already hears AMI's
``TownhallVoicemailEnd`` (the dialplan's hang-up handler, sent once the message is
saved) and knows its Asterisk instance's spool; the worker sweeps at start, on each
such event and every ``interval`` seconds, so a message left while the IVR was down,
or while the database was, is ingested later. Exactly once: the database's unique key
(``ivr.store.voicemail``) makes a second process or a second sweep a no-op, and a
message's files leave the spool only after its request is committed.

Files per message, in ``<spool>/<box>/INBOX/``: ``msgNNNN.txt`` (the truth: caller,
time, duration, and the channel's unique id in ``category`` to link the call's
contact) and ``msgNNNN.wav``.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from pydub.exceptions import CouldntDecodeError
from sqlalchemy.exc import SQLAlchemyError

from ivr.requests import voicemail as vm
from ivr.requests.errors import RequestError
from ivr.rules import Rules
from ivr.speech import Final, SpeechEngine, read_pcm, transcribe
from ivr.store.db import Store
from ivr.store.voicemail import ingest_message, ingested, link_pending

log = logging.getLogger(__name__)

MAX_AUDIO_BYTES = 24 * 1024 * 1024  # under the attachment area's limit
_STEM = re.compile(r"msg[0-9]{4,6}")


@dataclass
class SweepReport:
    """What one sweep did (for the logs and the tests)."""

    ingested: list[str] = field(default_factory=list)  # message keys made requests
    removed: int = 0  # messages whose files left the spool
    waiting: int = 0  # incomplete, refused or held back by the database: kept
    linked: int = 0  # contacts linked after their message


@dataclass(frozen=True)
class SpoolMessage:
    """One message's files in a box's INBOX."""

    box: str
    txt: Path

    @property
    def stem(self) -> str:
        return self.txt.stem

    def sibling(self, suffix: str) -> Path:
        return self.txt.with_suffix(suffix)

    def remove(self) -> None:
        """Every file of the message, the metadata last (it is what marks a message)."""
        for path in sorted(self.txt.parent.glob(f"{self.stem}.*"), key=lambda p: p == self.txt):
            path.unlink(missing_ok=True)


def pending(spool: Path) -> list[SpoolMessage]:
    """The messages waiting in every box, oldest name first."""
    found = []
    for txt in sorted(spool.glob("*/INBOX/msg*.txt")):
        if _STEM.fullmatch(txt.stem):
            found.append(SpoolMessage(txt.parent.parent.name, txt))
    return found


class VoicemailIngestor:
    """Turns the spool's messages into requests, on a thread of its own."""

    def __init__(self, spool: Path, store: Store, rules: Callable[[], Rules], area: Path,
                 now: Callable[[], datetime], speech: SpeechEngine | None = None,
                 interval: float = 60.0) -> None:
        self.spool, self.store, self.rules, self.area = spool, store, rules, area
        self.now, self.speech, self.interval = now, speech, interval
        self.transcripts: dict[str, str] = {}  # kept across attempts while the database is away
        self.refused: set[Path] = set()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def poke(self) -> None:
        """Sweep now (thread-safe; AMI's thread calls it when a voicemail call ends)."""
        self._wake.set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="voicemail", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(30)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.sweep()
            except Exception:  # a bug must not stop the sweeps: the files are still there
                log.exception("voicemail sweep failed; the messages stay in the spool")
            self._wake.wait(self.interval)
            self._wake.clear()

    def sweep(self) -> SweepReport:
        """Ingest every complete message; a database error leaves the rest for later."""
        report = SweepReport()
        for message in pending(self.spool):
            try:
                self._one(message, report)
            except SQLAlchemyError as exc:
                log.warning("database unavailable: voicemail messages wait in the spool",
                            extra={"error": str(exc).splitlines()[0]})
                report.waiting += 1
                return report
            except RequestError as exc:  # e.g. the box's department left the rules
                log.warning("voicemail message kept in the spool: %s", exc.message,
                            extra={"file": str(message.txt)})
                report.waiting += 1
        with contextlib.suppress(SQLAlchemyError):  # the next sweep links them
            report.linked = link_pending(self.store, now=self.now())
        return report

    def _one(self, message: SpoolMessage, report: SweepReport) -> None:
        parsed = self._parse(message)
        if parsed is None:
            report.waiting += 1
            return
        if ingested(self.store, parsed.key) is not None:  # a crash between commit and removal
            message.remove()
            report.removed += 1
            return
        audio = self._audio(message)
        if audio is None:
            report.waiting += 1
            return
        done = ingest_message(self.store, self.rules(), self.area, parsed, audio,
                              at=self.now(), transcript=self._transcript(message, parsed))
        if not done.already:
            report.ingested.append(parsed.key)
            log.info("voicemail message became a request",
                     extra={"box": parsed.box, "reference": done.reference,
                            "joined": done.joined, "call_id": parsed.call_id})
        message.remove()
        self.transcripts.pop(parsed.key, None)
        report.removed += 1

    def _parse(self, message: SpoolMessage) -> vm.VoicemailMessage | None:
        """The message's metadata, or None (logged once) when it cannot be used yet."""
        try:
            parsed = vm.parse_metadata(message.txt.read_text(errors="replace"), message.box,
                                       message.stem)
            if parsed.box not in self.rules().departments:
                raise vm.MetadataError(f"box {parsed.box!r} is not a department")
        except (OSError, vm.MetadataError) as exc:
            if message.txt not in self.refused:
                self.refused.add(message.txt)
                log.warning("voicemail message kept in the spool: %s", exc,
                            extra={"file": str(message.txt)})
            return None
        return parsed

    def _audio(self, message: SpoolMessage) -> bytes | None:
        wav = message.sibling(".wav")
        try:
            if wav.stat().st_size > MAX_AUDIO_BYTES:
                raise vm.MetadataError("recording too large for an attachment")
            data = wav.read_bytes()
        except (OSError, vm.MetadataError) as exc:
            if message.txt not in self.refused:
                self.refused.add(message.txt)
                log.warning("voicemail recording not usable yet: %s", exc,
                            extra={"file": str(wav)})
            return None
        return data or None

    def _transcript(self, message: SpoolMessage, parsed: vm.VoicemailMessage) -> str | None:
        """The recording as text when a speech model is loaded ("" if nothing was heard)."""
        if self.speech is None or not self.speech.available:
            return None
        if parsed.key not in self.transcripts:
            try:
                pcm = read_pcm(message.sibling(".wav"), self.speech.sample_rate)
                events = transcribe(self.speech, pcm)
            except (OSError, TimeoutError, ValueError, CouldntDecodeError) as exc:
                log.warning("voicemail not transcribed: %s", exc)
                return None
            words = (e.text for e in events if isinstance(e, Final))
            self.transcripts[parsed.key] = " ".join(w for w in words if w).strip()
        return self.transcripts[parsed.key]
