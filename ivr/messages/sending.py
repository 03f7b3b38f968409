"""What the sender hands a gateway and what a gateway answers (pure types).

A gateway answers one of four things, and the outbox acts on each differently:
``Sent`` (accepted; a delivery report may follow), ``Retry`` (certainly not sent:
connection refused, relay busy — try again after the backoff), ``Failed`` (refused
for good: bad number, mailbox unknown — try the next channel), ``Unknown`` (the
request left but no answer came back: it may have been sent, so it is never resent
by itself).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class Outgoing:
    """One attempt at one message; ``attempt_id`` names it (Message-ID, DLR key)."""

    message_id: int
    attempt_id: str
    channel: str
    recipient: str
    subject: str | None
    body: str
    reference: str | None
    attachment: str | None = None  # a file to join to an e-mail (absolute path)


@dataclass(frozen=True)
class Sent:
    external_id: str


@dataclass(frozen=True)
class Retry:
    reason: str


@dataclass(frozen=True)
class Failed:
    reason: str


@dataclass(frozen=True)
class Unknown:
    reason: str


Result = Sent | Retry | Failed | Unknown


class Gateway(Protocol):
    async def send(self, message: Outgoing) -> Result:
        """Hand one message to the gateway; never raises for a gateway problem."""
        ...


@runtime_checkable
class Watchable(Protocol):
    async def empty(self) -> bool | None:
        """Whether the gateway is up and holds none of our messages (None: cannot tell);
        never raises."""
        ...


# Kannel delivery report types (the %d of a dlr-url)
DLR_DELIVERED, DLR_UNDELIVERED, DLR_BUFFERED, DLR_SMSC_ACK, DLR_SMSC_REJECT = 1, 2, 4, 8, 16


def dlr_outcome(kind: int) -> str | None:
    """``delivered``, ``failed`` or None (an intermediate report) for a Kannel DLR type."""
    if kind & DLR_DELIVERED:
        return "delivered"
    if kind & (DLR_UNDELIVERED | DLR_SMSC_REJECT):
        return "failed"
    return None
