"""Contacts for the calls the dialplan answered while the IVR was away.

The fallback path of ``extensions.conf`` appends one line per call to a file
(``epoch|channel id|caller|number|ref``, written by Asterisk's ``FILE()``, no shell).
When the IVR is ready again it takes the file away by renaming it (Asterisk starts a
new one at the next line), records each call through the store writer, idempotently by
channel id, and deletes the renamed file: the writer has spooled the facts to disk by
then, as it does every fact, whether or not the database is up.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ivr.domain.outcomes import ContactOutcome
from ivr.runfiles import is_ivr_app
from ivr.telephony.call import Recorder

log = logging.getLogger(__name__)

TAKEN = ".ingesting"


@dataclass(frozen=True)
class FallbackCall:
    at: datetime
    call_id: str
    caller: str | None
    called: str | None
    ref: str | None


def parse_line(line: str) -> FallbackCall | None:
    """One line of the log; None for a torn or foreign line (logged, skipped)."""
    parts = line.rstrip("\n").split("|")
    if len(parts) != 5 or not parts[1]:
        return None
    try:
        at = datetime.fromtimestamp(int(parts[0]), UTC)
    except ValueError:
        return None
    return FallbackCall(at, parts[1], parts[2] or None, parts[3] or None, parts[4] or None)


def record(call: FallbackCall, recorder: Recorder) -> None:
    """The contact of a call the IVR never saw: answered by the dialplan fallback."""
    recorder.start_contact(call.call_id, started_at=call.at, caller=call.caller,
                           called=call.called, ref=call.ref)
    recorder.event(call.call_id, "fallback", call.at)
    recorder.update_contact(call.call_id, outcome=ContactOutcome.FALLBACK, routed_by="default",
                            target="accueil")


def ingest(path: Path, recorder: Recorder) -> int:
    """Record every call of the log (and of an ingestion a crash interrupted); with
    several IVR processes each file is read by the one that renamed it to its pid."""
    mine = path.with_name(f"{path.name}.{os.getpid()}{TAKEN}")
    count = 0
    for source in [path, *sorted(path.parent.glob(f"{path.name}.*{TAKEN}"))]:
        taken = _take(source, mine, path.name)
        if taken is None:
            continue
        calls = [parse_line(line) for line in taken.read_text().splitlines()]
        for call in calls:
            if call is not None:
                record(call, recorder)
                count += 1
        taken.unlink()
    if count:
        log.info("calls answered without the IVR recorded", extra={"calls": count})
    return count


def _take(source: Path, mine: Path, name: str) -> Path | None:
    """``source`` renamed to ``mine`` (None: gone, or being read by a live IVR process)."""
    if source != mine and source.name != name:
        owner = source.name.removeprefix(f"{name}.").removesuffix(TAKEN)
        if owner.isdigit() and is_ivr_app(int(owner)):
            return None
    try:
        os.replace(source, mine)
    except FileNotFoundError:
        return None
    return mine

