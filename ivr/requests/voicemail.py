"""Voicemail messages as requests: the message's metadata and what to do with it.

Asterisk's ``VoiceMail()`` leaves ``msgNNNN.wav`` beside ``msgNNNN.txt``, an INI file
(``[message]`` with ``callerid``, ``origtime``, ``duration``, ``msg_id``, and
``category``, where our dialplan puts the channel's unique id). That text
comes from outside (the caller ID is whatever the caller's network sent): it is parsed
here defensively, and a file that cannot be trusted is refused with a reason rather
than half-read. Pure: the text, the box and the time zone come in as arguments.
"""

from __future__ import annotations

import configparser
import re
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from ivr.domain.phone_numbers import is_hidden, to_e164

REQUEST_TYPE = "message-vocal"
ACTOR = "messagerie"
MIME = "audio/wav"
MAX_METADATA_CHARS = 8_000
MAX_DURATION = 24 * 3600  # far above voicemail.conf's maxsecs: anything above is garbage
_MSG_ID = re.compile(r"[0-9A-Za-z_.-]{1,64}")
_CALL_ID = re.compile(r"[0-9A-Za-z_.-]{1,128}")
_BOX = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
_ANGLED = re.compile(r"<([^<>]*)>\s*$")
_RAW_NUMBER = re.compile(r"[0-9+]{1,32}")


class MetadataError(ValueError):
    """A message's metadata file is unusable (the reason is logged, the file kept)."""


@dataclass(frozen=True)
class VoicemailMessage:
    """One message left in a department's box, as its metadata file tells it."""

    box: str  # the department
    msg_id: str
    left_at: datetime  # origtime, UTC
    duration: int  # seconds, as Asterisk counted them
    caller: str | None  # E.164, or None when withheld or not a valid number
    caller_raw: str  # the digits as received ("" when withheld), for the agent's eyes
    call_id: str | None = None  # the channel's unique id (our dialplan's VM_CATEGORY)

    @property
    def key(self) -> str:
        """Unique per message, whatever file name Asterisk reuses later."""
        return f"{self.box}/{int(self.left_at.timestamp())}/{self.msg_id}"


def _fields(text: str) -> configparser.SectionProxy:
    if len(text) > MAX_METADATA_CHARS or "\x00" in text:
        raise MetadataError("metadata too long or binary")
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text)
    except configparser.Error as exc:
        raise MetadataError(f"unreadable metadata: {exc.__class__.__name__}") from None
    if not parser.has_section("message"):
        raise MetadataError("no [message] section")
    return parser["message"]


def _int(fields: configparser.SectionProxy, name: str, low: int, high: int) -> int:
    raw = fields.get(name, "").strip()
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise MetadataError(f"{name} missing or out of range")
    return int(raw)


def caller_number(callerid: str) -> str:
    """The number part of ``"Name" <0612345678>`` (or a bare number); "" if none."""
    match = _ANGLED.search(callerid)
    raw = (match.group(1) if match else callerid).strip()
    return raw if _RAW_NUMBER.fullmatch(raw) and not is_hidden(raw) else ""


def parse_metadata(text: str, box: str, stem: str) -> VoicemailMessage:
    """The message described by ``text`` (a ``msgNNNN.txt``) found in ``box``.

    ``stem`` (``msg0003``) stands in for ``msg_id`` on Asterisk versions without it.
    """
    if not _BOX.fullmatch(box):
        raise MetadataError("box name is not a department id")
    fields = _fields(text)
    origtime = _int(fields, "origtime", 1, 2**33)
    duration = _int(fields, "duration", 0, MAX_DURATION)
    msg_id = fields.get("msg_id", "").strip() or stem
    if not _MSG_ID.fullmatch(msg_id):
        raise MetadataError("msg_id is not a plain identifier")
    raw = caller_number(fields.get("callerid", ""))
    call_id = fields.get("category", "").strip()
    return VoicemailMessage(box, msg_id, datetime.fromtimestamp(origtime, UTC), duration,
                            to_e164(raw) if raw else None, raw,
                            call_id if _CALL_ID.fullmatch(call_id) else None)


@dataclass(frozen=True)
class Create:
    """A new ``message-vocal`` request in the box's department."""

    subject: str
    description: str


@dataclass(frozen=True)
class Join:
    """The message joins the caller's open voicemail request of that department."""

    reference: str
    note: str


def _when(message: VoicemailMessage, zone: tzinfo) -> str:
    return message.left_at.astimezone(zone).strftime("%d/%m/%Y à %H:%M")


def _summary(message: VoicemailMessage, zone: tzinfo, transcript: str | None) -> str:
    who = message.caller or message.caller_raw or "numéro masqué"
    text = (f"Message vocal de {message.duration} s laissé le {_when(message, zone)} "
            f"par {who}.")
    if transcript is not None:
        text += f"\nTranscription automatique : {transcript or '(aucun mot reconnu)'}"
    return text


def decide(message: VoicemailMessage, open_references: list[str], zone: tzinfo,
           transcript: str | None = None) -> Create | Join:
    """Join the newest open request of the caller in that department, else create one.

    ``open_references`` are the caller's open ``message-vocal`` requests of the box's
    department, newest first; a caller with no usable number never joins anything
    (two withheld numbers are not the same person).
    """
    summary = _summary(message, zone, transcript)
    if message.caller and open_references:
        return Join(open_references[0], f"Nouveau message vocal. {summary}")
    who = message.caller or message.caller_raw or "numéro masqué"
    return Create(f"Message vocal de {who}", summary)


def attachment_name(message: VoicemailMessage) -> str:
    """The file name agents see and download (unique per message)."""
    stamp = message.left_at.strftime("%Y%m%d-%H%M%S")
    return f"message-vocal-{message.box}-{stamp}-{message.msg_id}.wav"
