"""Which complaints (and suggestions) are late and must go up to the superviseur.

A request whose type has ``acknowledge_within`` is followed the Marianne way: it is
late when its acknowledgement deadline passed unacknowledged, or when its answer
deadline passed while open and not waiting for the citizen. Each is escalated once.
Pure: the rows and the instant come in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Followed:
    """What escalation needs of an open followed request."""

    reference: str
    due_at: datetime
    acknowledge_due_at: datetime | None
    acknowledged_at: datetime | None
    clock_stopped_at: datetime | None
    escalated_at: datetime | None


def lateness(row: Followed, now: datetime) -> str | None:
    """Why ``row`` is late at ``now`` (French, for the history), or None."""
    if (row.acknowledged_at is None and row.acknowledge_due_at is not None
            and row.acknowledge_due_at < now):
        return "accusé de réception non envoyé dans le délai"
    if row.clock_stopped_at is None and row.due_at < now:
        return "réponse non apportée dans le délai annoncé"
    return None


def to_escalate(rows: list[Followed], now: datetime) -> list[tuple[str, str]]:
    """(reference, reason) of the rows late at ``now`` and not yet escalated."""
    found = ((row.reference, lateness(row, now)) for row in rows if row.escalated_at is None)
    return [(reference, why) for reference, why in found if why is not None]
