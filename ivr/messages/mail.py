"""An incoming e-mail read into what the town hall keeps: sender, subject, text, files.

Parsing never raises: a mail that cannot be read well (bad headers, unknown charset,
no sender) comes back with ``problems`` filled, so the reader keeps it flagged
instead of stopping on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr

MAX_TEXT = 20_000


@dataclass(frozen=True)
class MailFile:
    filename: str
    mime: str
    data: bytes


@dataclass(frozen=True)
class IncomingMail:
    sender: str | None
    subject: str
    text: str
    message_id: str | None
    files: tuple[MailFile, ...]
    problems: tuple[str, ...]
    recipients: tuple[str, ...] = ()  # To, Cc and Delivered-To addresses, lower case


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
                        _recipients(mail, problems))


def _recipients(mail: Message, problems: list[str]) -> tuple[str, ...]:
    """Where the mail was sent (the mailbox may receive several of the town's addresses)."""
    fields = [_header(mail, name, problems) for name in ("To", "Cc", "Delivered-To")]
    return tuple(dict.fromkeys(a.lower() for _, a in getaddresses(fields) if "@" in a))
