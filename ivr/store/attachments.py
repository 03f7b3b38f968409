"""Files of requests (a recorded voice message, an uploaded scan) in the attachment area.

The area is ``settings.attachments_dir``; a file lives at
``<reference>/<sha256 prefix>-<safe name>``, created with mode 0600 (it may hold
personal data) and never overwritten. The database row keeps the sender's file name,
size, SHA-256 and MIME type; the file is written and synced before the row is
committed, and removed again if the row cannot be.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import re
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from ivr.requests.errors import InvalidInput
from ivr.store.db import Store
from ivr.store.models import Attachment, Request
from ivr.store.requests import AttachmentView, request_row

MAX_BYTES = 25 * 1024 * 1024
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _safe_name(filename: str) -> str:
    """A file-system-safe version of the sender's name (no path, no dot-files)."""
    base = _UNSAFE.sub("_", Path(filename.replace("\\", "/")).name).strip("._")
    return base[-80:] or "fichier"


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def check_data(filename: str, data: bytes) -> None:
    """Refuse an empty or oversized file before anything is written."""
    if not data:
        raise InvalidInput("Le fichier est vide.")
    if len(data) > MAX_BYTES:
        raise InvalidInput(f"Fichier trop volumineux : au plus {MAX_BYTES // (1024 * 1024)} Mo.")


def relative_path(reference: str, filename: str, data: bytes) -> str:
    """Where, under the area, the file ``filename`` of request ``reference`` lives."""
    return f"{reference}/{hashlib.sha256(data).hexdigest()[:16]}-{_safe_name(filename)}"


def attach_in(session: Session, area: Path, row: Request, *, filename: str, data: bytes,
              at: datetime, actor: str | None, mime: str | None,
              written: list[Path]) -> AttachmentView:
    """Write the file and add its row in ``session``; ``written`` gets the file so the
    caller removes it if the transaction fails."""
    check_data(filename, data)
    digest = hashlib.sha256(data).hexdigest()
    mime = mime or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    relative = relative_path(row.reference, filename, data)
    if (area / relative).exists():
        raise InvalidInput(f"Ce fichier est déjà joint à la demande : « {filename} ».")
    _write_private(area / relative, data)
    written.append(area / relative)
    attachment = Attachment(request_id=row.id, filename=filename[:255], path=relative,
                            size=len(data), sha256=digest, mime=mime[:128], at=at, actor=actor)
    session.add(attachment)
    session.flush()
    return AttachmentView(attachment.id, attachment.filename, relative, len(data), digest,
                          attachment.mime, at, actor)


def add_attachment(store: Store, area: Path, reference: str, *, filename: str, data: bytes,
                   at: datetime, actor: str | None = None,
                   mime: str | None = None) -> AttachmentView:
    """Keep ``data`` as a file of the request and record it; ``InvalidInput`` if unusable."""
    check_data(filename, data)
    written: list[Path] = []
    try:
        with store.session() as session:
            return attach_in(session, area, request_row(session, reference), filename=filename,
                             data=data, at=at, actor=actor, mime=mime, written=written)
    except BaseException:
        for path in written:  # the row is not there: neither must the file be
            path.unlink(missing_ok=True)
        raise


def attachment_file(area: Path, attachment: AttachmentView) -> Path:
    """Where the file of ``attachment`` is (for the admin to send it)."""
    return area / attachment.path
