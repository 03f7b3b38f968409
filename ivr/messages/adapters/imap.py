"""The town hall's contact mailbox read over IMAP (stdlib ``imaplib``).

Unread mails are fetched without marking them (``BODY.PEEK[]``), recorded, then
flagged ``\\Seen``: a reader stopped in between reads them again, and the store
records each once (keyed by Message-ID). A mail that cannot be parsed is still
recorded, flagged, and marked read, so one bad mail never blocks the others.
"""

from __future__ import annotations

import imaplib
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ivr.messages.mail import parse_mail
from ivr.rules import Rules
from ivr.store.db import Store
from ivr.store.inbound import Received, receive_email

log = logging.getLogger(__name__)
# a mailbox down, refusing the login or timing out: the reader waits and reads again
UNREACHABLE = (OSError, imaplib.IMAP4.error)


@dataclass(frozen=True)
class ImapConfig:
    host: str
    port: int
    user: str
    password: str
    tls: bool = False
    mailbox: str = "INBOX"
    timeout: float = 30.0


def _connect(config: ImapConfig) -> imaplib.IMAP4:
    kind = imaplib.IMAP4_SSL if config.tls else imaplib.IMAP4
    client = kind(config.host, config.port, timeout=config.timeout)
    client.login(config.user, config.password)
    client.select(config.mailbox)
    return client


def poll(config: ImapConfig, store: Store, rules: Rules, area: Path,
         now: datetime) -> list[Received]:
    """Record every unread mail of the mailbox; returns what became of each."""
    client = _connect(config)
    done: list[Received] = []
    try:
        _, found = client.uid("SEARCH", "UNSEEN")
        for uid in (found[0] or b"").decode().split():
            _, parts = client.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((p[1] for p in parts if isinstance(p, tuple)), b"")
            done.append(receive_email(store, rules, parse_mail(raw), at=now, area=area))
            client.uid("STORE", uid, "+FLAGS", "(\\Seen)")
    finally:
        client.logout()
    log.info("mailbox read", extra={"mails": len(done)})
    return done
