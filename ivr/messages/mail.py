"""An incoming e-mail read into what the town hall keeps: sender, subject, text, files.

Parsing never raises: a mail that cannot be read well (bad headers, unknown charset,
no sender) comes back with ``problems`` filled, so the reader keeps it flagged
instead of stopping on it. A delivery status notification (RFC 3464: a relay telling
that one of our mails could not be delivered) comes back with its ``bounce``: the
Message-ID of our mail, the status and the remote server's words.
"""

from __future__ import annotations

from dataclasses import dataclass
from email import message_from_bytes, message_from_string, policy
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr

MAX_TEXT = 20_000


@dataclass(frozen=True)
class MailFile:
    filename: str
    mime: str
    data: bytes


@dataclass(frozen=True)
class Bounce:
    original_id: str | None  # the Message-ID of the mail that bounced
    status: str  # 5.1.1…
    diagnostic: str


@dataclass(frozen=True)
class IncomingMail:
    sender: str | None
    subject: str
    text: str
    message_id: str | None
    files: tuple[MailFile, ...]
    problems: tuple[str, ...]
    recipients: tuple[str, ...] = ()  # To, Cc and Delivered-To addresses, lower case
    bounce: Bounce | None = None


def _text(mail: EmailMessage, problems: list[str]) -> str:
    body = mail.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    try:
        content = body.get_content()
    except (LookupError, UnicodeError, AssertionError) as exc:
        problems.append(f"texte illisible ({type(exc).__name__})")
        raw = body.get_payload(decode=True)
        content = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else ""
    return str(content)[:MAX_TEXT]


def _files(mail: EmailMessage, problems: list[str]) -> tuple[MailFile, ...]:
    found = []
    for part in mail.iter_attachments():
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes) or not data:
            problems.append("pièce jointe vide ou illisible")
            continue
        name = part.get_filename() or "piece-jointe"
        found.append(MailFile(name, part.get_content_type(), data))
    return tuple(found)


def _header(mail: Message, name: str, problems: list[str]) -> str:
    try:
        return str(mail.get(name, "") or "")
    except (ValueError, IndexError, TypeError) as exc:  # malformed encoded words
        problems.append(f"en-tête {name} illisible ({type(exc).__name__})")
        return ""


def parse_mail(raw: bytes) -> IncomingMail:
    """Read ``raw`` (RFC 5322 bytes); problems are listed, never raised."""
    problems: list[str] = []
    mail = message_from_bytes(raw, policy=policy.default)
    assert isinstance(mail, EmailMessage)
    address = parseaddr(_header(mail, "From", problems))[1]
    if "@" not in address:
        problems.append("expéditeur absent ou illisible")
    subject = " ".join(_header(mail, "Subject", problems).split())[:255]
    try:
        text, files = _text(mail, problems), _files(mail, problems)
    except Exception as exc:  # the stdlib parser has many corner cases; keep the mail anyway
        problems.append(f"structure illisible ({type(exc).__name__})")
        text, files = raw[:MAX_TEXT].decode("utf-8", "replace"), ()
    if mail.defects:
        problems.append("défauts : " + ", ".join(type(d).__name__ for d in mail.defects[:5]))
    message_id = _header(mail, "Message-ID", problems).strip() or None
    return IncomingMail(address or None, subject, text, message_id, files, tuple(problems),
                        _recipients(mail, problems), _bounce(mail))


def _recipients(mail: Message, problems: list[str]) -> tuple[str, ...]:
    """Where the mail was sent (the mailbox may receive several of the town's addresses)."""
    fields = [_header(mail, name, problems) for name in ("To", "Cc", "Delivered-To")]
    return tuple(dict.fromkeys(a.lower() for _, a in getaddresses(fields) if "@" in a))


def _bounce(mail: EmailMessage) -> Bounce | None:
    """The failure a delivery status notification reports, else None (a delay notice,
    a success report or any other mail); never raises."""
    if (mail.get_content_type() != "multipart/report"
            or mail.get_param("report-type") != "delivery-status"):
        return None
    try:
        return _failed(mail)
    except Exception:  # a malformed report is kept as an ordinary flagged mail
        return None


def _failed(mail: EmailMessage) -> Bounce | None:
    original, status, diagnostic, failed = None, "", "", False
    for part in mail.walk():
        kind = part.get_content_type()
        if kind == "message/delivery-status":
            for block in part.get_payload():
                if not isinstance(block, Message):
                    continue
                if str(block.get("Action", "")).strip().lower() == "failed":
                    failed = True
                    status = str(block.get("Status", "")).strip()[:16]
                    diagnostic = " ".join(str(block.get("Diagnostic-Code", "")).split())[:300]
        elif kind == "message/rfc822" and original is None:
            inner = part.get_payload(0)
            original = inner.get("Message-ID") if isinstance(inner, Message) else None
        elif kind == "text/rfc822-headers" and original is None:
            original = message_from_string(part.get_content()).get("Message-ID")
    if not failed:
        return None
    return Bounce(str(original).strip() if original else None, status, diagnostic)
