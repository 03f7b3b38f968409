"""Record who changed what: one ``AuditLog`` row per change, committed with the change."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from flask import current_app
from flask_login import current_user
from sqlalchemy.orm import Session

from admin.db import get_session
from ivr.store.models import AuditLog

log = logging.getLogger(__name__)


def add(
    session: Session,
    at: datetime,
    username: str | None,
    action: str,
    obj: str | None,
    **detail: Any,
) -> None:
    """Add an audit row to ``session`` (used by the views and the CLI)."""
    session.add(
        AuditLog(at=at, username=username, action=action, object=obj, detail=detail or None)
    )
    log.info("admin change", extra={"user": username, "action": action, "object": obj})


def record(action: str, obj: str | None = None, **detail: Any) -> None:
    """Audit a change made by the logged-in user in this request."""
    now = current_app.config["TOWNHALL_CLOCK"].now()
    add(get_session(), now, getattr(current_user, "username", None), action, obj, **detail)
