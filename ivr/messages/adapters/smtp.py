"""E-mail through the town hall's SMTP relay (``aiosmtplib``): STARTTLS, auth, Message-ID.

The Message-ID is derived from the attempt id, so a bounce or a reply quoting it
names the attempt; the subject carries the reference as « [Réf 12 34 56 78 90] » so
the citizen's answer comes back to the right request. A message may carry one file
(the monthly report in PDF): a file gone is a failure, not a mail without it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from mimetypes import guess_type
from pathlib import Path

import aiosmtplib

from ivr.messages.sending import Failed, Outgoing, Result, Retry, Sent, Unknown

_TEMPORARY = (aiosmtplib.SMTPConnectError, aiosmtplib.SMTPConnectTimeoutError,
              aiosmtplib.SMTPServerDisconnected, ConnectionError, OSError)


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    sender: str  # mairie@…
    sender_name: str
    reply_to: str
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    timeout: float = 20.0

    @property
    def domain(self) -> str:
        return self.sender.rpartition("@")[2] or "localhost"


def subject_with_reference(subject: str | None, reference: str | None) -> str:
    """« [Réf 12 34 56 78 90] subject » when the message is about a request."""
    text = subject or ""
    if reference and "[Réf" not in text:
        spaced = " ".join(reference[i:i + 2] for i in range(0, len(reference), 2))
        return f"[Réf {spaced}] {text}".strip()
    return text


def build(config: SmtpConfig, message: Outgoing, date: str) -> EmailMessage:
    """The RFC 5322 message of one attempt."""
    mail = EmailMessage()
    mail["From"] = formataddr((config.sender_name, config.sender))
    mail["To"] = message.recipient
    mail["Reply-To"] = config.reply_to
    mail["Subject"] = subject_with_reference(message.subject, message.reference)
    # the attempt id is "batch:message id"; a colon is not allowed in a Message-ID
    mail["Message-ID"] = f"<{message.attempt_id.replace(':', '.')}@{config.domain}>"
    mail["Date"] = date
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(message.body)
    if message.attachment:
        path = Path(message.attachment)
        kind = (guess_type(path.name)[0] or "application/octet-stream").split("/", 1)
        mail.add_attachment(path.read_bytes(), maintype=kind[0], subtype=kind[1],
                            filename=path.name)
    return mail


class SmtpGateway:
    """One SMTP connection per message (a relay's limits stay the relay's business)."""

    def __init__(self, config: SmtpConfig, now: Callable[[], datetime]) -> None:
        self.config = config
        self.now = now

    async def send(self, message: Outgoing) -> Result:
        """Send through the relay; 4xx and connection problems retry, 5xx fail."""
        c = self.config
        try:
            mail = build(c, message, format_datetime(self.now()))
        except OSError as exc:
            return Failed(f"pièce jointe illisible : {exc.strerror or exc}")
        try:
            await aiosmtplib.send(mail, hostname=c.host, port=c.port, start_tls=c.starttls,
                                  username=c.username, password=c.password, timeout=c.timeout)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            if all(code >= 500 for code in codes):
                return Failed(f"adresse refusée par le relais : {exc.recipients[0].message}")
            return Retry(f"destinataire refusé pour l'instant : {exc.recipients[0].message}")
        except aiosmtplib.SMTPResponseException as exc:
            if exc.code >= 500:
                return Failed(f"refusé par le relais ({exc.code} {exc.message})")
            return Retry(f"relais occupé ({exc.code} {exc.message})")
        except aiosmtplib.SMTPTimeoutError as exc:
            return Unknown(f"réponse du relais perdue : {exc}")
        except _TEMPORARY as exc:
            return Retry(f"relais de courrier injoignable : {type(exc).__name__}")
        return Sent(mail["Message-ID"])
