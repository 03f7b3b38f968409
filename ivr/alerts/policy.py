"""What an attempt's result means for a recipient: a final state, or another dial later.

Both modes redial the unreached (busy, no answer, answered without keying) at the
campaign's spacing up to its maximum; they differ on answering machines. In
**information** mode the dialer runs ``AMD()``: a machine is hung up on (retried later)
except at the last attempt, when the message is left on it (``messagerie``). In
**alert** mode no detection delays the message: a machine counts as answered without a
key, and is redialled like anyone who did not acknowledge.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Result(StrEnum):
    """What one dial ended with (``alert_attempts.result``)."""

    ACKNOWLEDGED = "acquitte"  # key 1
    HELP = "aide"  # key 2
    NO_KEY = "repondu"  # answered, message played, no key
    MACHINE = "repondeur"  # an answering machine, hung up on to try again later
    VOICEMAIL = "messagerie"  # the message left on an answering machine
    BUSY = "occupe"
    NO_ANSWER = "pas_de_reponse"
    REJECTED = "refuse"
    FAILED = "echec"  # the trunk or Asterisk refused the call
    INTERRUPTED = "interrompu"  # the dialer died during the call (lease expired)


FINAL_STATES = ("acquitte", "aide", "messagerie", "non_acquitte", "echec")
PENDING_STATES = ("en_attente", "en_cours")
ANSWERED = frozenset({Result.ACKNOWLEDGED, Result.HELP, Result.NO_KEY, Result.MACHINE,
                      Result.VOICEMAIL})
REASONS = {
    Result.NO_KEY: "a répondu sans taper 1",
    Result.MACHINE: "répondeur",
    Result.BUSY: "occupé",
    Result.NO_ANSWER: "pas de réponse",
    Result.REJECTED: "appel refusé",
    Result.FAILED: "échec de l'appel",
    Result.INTERRUPTED: "appel interrompu",
}
_DIRECT = {Result.ACKNOWLEDGED: "acquitte", Result.HELP: "aide",
           Result.VOICEMAIL: "messagerie"}


@dataclass(frozen=True)
class Decision:
    """The recipient's next state; ``next_attempt_at`` only when it is dialled again."""

    state: str
    reason: str | None = None
    next_attempt_at: datetime | None = None

    @property
    def final(self) -> bool:
        return self.state in FINAL_STATES


def decide(result: Result, *, attempts: int, max_attempts: int, spacing: timedelta,
           answered_before: bool, now: datetime) -> Decision:
    """The state after attempt number ``attempts`` ended with ``result``."""
    if result in _DIRECT:
        return Decision(_DIRECT[result])
    reason = REASONS[result]
    if attempts < max_attempts:
        return Decision("en_attente", reason, now + spacing)
    reached = answered_before or result in ANSWERED
    return Decision("non_acquitte" if reached else "echec", f"{reason} ({attempts} appels)")


def detect_machines(mode: str) -> bool:
    """Only information mode spends the few seconds ``AMD()`` needs."""
    return mode == "information"


def leave_on_machine(mode: str, attempt: int, max_attempts: int) -> bool:
    """Leave the message on an answering machine: information mode, last attempt."""
    return detect_machines(mode) and attempt >= max_attempts
