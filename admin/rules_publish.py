"""Check, publish and roll back ``routing_rules.yaml`` from the admin.

Publishing validates the text with the IVR's own loader, records a ``RulesVersion``,
replaces the file atomically (a temporary file in the same directory, then
``os.replace``, so the IVR never reads half a file) and sends SIGHUP to the running
IVR, which also watches the file.
"""

from __future__ import annotations

import difflib
import hashlib
import logging
import os
import signal
import tempfile
from pathlib import Path

from flask import current_app
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from ivr.rules import RuleIssue, Rules, RulesError, load_rules_text
from ivr.runfiles import ivr_app_pids
from ivr.settings import Settings
from ivr.store.models import RulesVersion

log = logging.getLogger(__name__)


def check(text: str, name: str) -> tuple[Rules | None, list[RuleIssue]]:
    """Parse ``text``: the rules, or the issues found (each with its line)."""
    try:
        return load_rules_text(text, name), []
    except RulesError as err:
        return None, list(err.issues)


def sha256(text: str) -> str:
    """Fingerprint of a rules text, shown in the versions list."""
    return hashlib.sha256(text.encode()).hexdigest()


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` in one step: readers see the old or the new file, never a mix."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def signal_ivr(settings: Settings) -> bool:
    """SIGHUP every running IVR process (pid files in ``home/run``, each checked to name
    our IVR process); False when none could be signalled."""
    signalled = False
    for pid in ivr_app_pids(settings):
        try:
            os.kill(pid, signal.SIGHUP)
        except (ProcessLookupError, PermissionError) as exc:
            log.info("ivr not signalled", extra={"pid": pid, "reason": repr(exc)})
            continue
        log.info("ivr signalled to reload rules", extra={"pid": pid})
        signalled = True
    if not signalled:
        log.info("ivr not signalled", extra={"reason": "no live IVR app process"})
    return signalled


def publish(
    session: Session, settings: Settings, text: str, author: str, comment: str
) -> RulesVersion:
    """Record a version, write the file and signal the IVR (the caller has checked ``text``)."""
    version = RulesVersion(
        author=author, sha256=sha256(text), content=text, comment=comment or None
    )
    session.add(version)
    session.flush()
    write_atomically(settings.rules_path, text)
    signal_ivr(settings)
    log.info(
        "rules published", extra={"version": version.id, "author": author, "sha256": version.sha256}
    )
    return version


def versions(session: Session) -> list[RulesVersion]:
    """Published versions, newest first."""
    return list(session.scalars(select(RulesVersion).order_by(RulesVersion.id.desc())).all())


def diff(old: str, new: str, old_name: str, new_name: str) -> list[str]:
    """A unified diff between two rules texts, line by line."""
    return list(
        difflib.unified_diff(old.splitlines(), new.splitlines(), old_name, new_name, lineterm="")
    )


def publish_audited(text: str, comment: str, action: str = "rules.publish") -> RulesVersion:
    """Publish ``text`` as the logged-in user, audited and committed: what every admin
    form that changes the rules ends with."""
    from admin.audit_trail import record  # a Flask request's user and session
    from admin.db import get_session

    settings = current_app.config["TOWNHALL_SETTINGS"]
    version = publish(get_session(), settings, text, current_user.username, comment)
    record(action, f"version {version.id}", sha256=version.sha256, comment=version.comment)
    get_session().commit()
    return version
