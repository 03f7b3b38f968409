"""A complaint or suggestion left by phone becomes a request (answers ``FileVoiceRequest``).

Runs in the IVR process, off the call's event loop: the request is created with the
caller's number, the recording moves from Asterisk's spool into the request's
attachments (the spool copy is removed once kept), and the call's contact is linked.
An empty message (nothing said, or no file) is filed too, as « message vide »: the
callback is still promised. When a speech model is loaded, the kept recording is handed
to ``transcribe`` (``ivr.requests.adapters.voice_transcripts``, off the call: the
reference is read at once) and its text lands on the request (``add_transcript``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from ivr.flow.complaint import EMPTY_MESSAGE, FiledRequest, FileVoiceRequest
from ivr.requests.errors import InvalidInput
from ivr.rules import Rules
from ivr.store.attachments import add_attachment
from ivr.store.citizens import NewCitizen, normalise_phone
from ivr.store.db import Store
from ivr.store.models import Contact, Request, RequestEvent
from ivr.store.requests import RequestView, _committed, create_request, link_contact

log = logging.getLogger(__name__)
SUBJECTS = {"reclamation": "Réclamation laissée par téléphone",
            "suggestion": "Suggestion laissée par téléphone"}
TRANSCRIPT = "Transcription automatique : {text}"
NOTHING_HEARD = "(aucun mot reconnu)"
Transcribe = Callable[[str, Path], None]  # (reference, the kept WAV) → text on the request


def _citizen(caller: str | None) -> NewCitizen | None:
    try:
        return NewCitizen(phones=(normalise_phone(caller),)) if caller else None
    except InvalidInput:  # a withheld or odd caller ID: the request has no citizen
        return None


def file_voice_request(store: Store, query: FileVoiceRequest, *, rules: Callable[[], Rules],
                       recording_path: Callable[[str], Path], area: Path,
                       transcribe: Transcribe | None = None) -> FiledRequest:
    """Create the request, keep the recording, link the call; the reference."""
    wav = recording_path(query.recording) if query.recording else None
    data = wav.read_bytes() if wav is not None and wav.is_file() else b""
    view = create_request(store, rules(), type_id=query.kind, at=query.at, actor="ivr",
                          channel="phone", citizen=_citizen(query.caller),
                          subject=SUBJECTS[query.kind],
                          description=None if data else EMPTY_MESSAGE)
    if data:
        kept = add_attachment(store, area, view.reference, filename=f"{query.kind}.wav",
                              data=data, at=query.at, actor="ivr", mime="audio/wav")
        assert wav is not None
        wav.unlink(missing_ok=True)
        if transcribe is not None:
            transcribe(view.reference, area / kept.path)
    with store.session() as session:
        contact_id = session.query(Contact.id).filter(Contact.call_id == query.call_id).scalar()
    if contact_id is not None:
        link_contact(store, contact_id, view.reference)
    else:
        log.warning("call not yet in the store: request not linked",
                    extra={"call_id": query.call_id, "reference": view.reference})
    return FiledRequest(view.reference)


def add_transcript(store: Store, reference: str, text: str, *, at: datetime) -> RequestView:
    """Write the recording's transcript into the request's description (and history)."""
    line = TRANSCRIPT.format(text=" ".join(text.split())[:5000] or NOTHING_HEARD)

    def work(session: Session, row: Request) -> None:
        row.description = f"{row.description}\n{line}" if row.description else line
        session.add(RequestEvent(request_id=row.id, at=at, actor="ivr", kind="note",
                                 from_status=row.status, to_status=row.status, note=line))

    return _committed(store, reference, work)
