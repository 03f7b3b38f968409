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


# The answer goes back by the channel the citizen used: an e-mail by e-mail, a call or
# an SMS by SMS; a web form or the counter by e-mail when an address is known.
ANSWER_ORDER = {"email": ("email", "sms"), "phone": ("sms", "email"), "sms": ("sms", "email"),
                "web": ("email", "sms"), "counter": ("email", "sms")}


def answer_channels(used: str, points: dict[str, str]) -> list[tuple[str, str]]:
    """(channel, recipient) to send an answer on, the channel used first; ``points``
    maps ``phone``/``email`` to the citizen's number and address. Empty: by post."""
    order = ANSWER_ORDER.get(used, ("email", "sms"))
    return [(channel, points["phone" if channel == "sms" else "email"]) for channel in order
            if ("phone" if channel == "sms" else "email") in points]


ACK_SUBJECT = "Accusé de réception de votre {label}"
ACK_TEXT = ("Bonjour, nous avons bien reçu votre {label} (référence {reference}). Elle est "
            "suivie par nos services et nous vous répondrons au plus tard le {due}. "
            "— {town}")


def acknowledgement(label: str, reference: str, due: str, town: str) -> tuple[str, str]:
    """(subject, text) of the acknowledgement sent to the citizen; ``label`` in lower
    case (« réclamation »), ``reference`` as printed, ``due`` as said (« mardi 17 novembre »)."""
    return (ACK_SUBJECT.format(label=label),
            ACK_TEXT.format(label=label, reference=reference, due=due, town=town))
