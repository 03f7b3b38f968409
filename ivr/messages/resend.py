"""When an SMS whose fate is doubtful is sent again by itself (pure, the clock passed in).

Kannel's HTTP ``sendsms`` has no idempotency key, so two cases stay doubtful: an attempt
that got no HTTP answer (smsbox stopped with the request in flight: ``unknown``; one in
ten of those had in fact reached bearerbox in our runs) and an attempt Kannel accepted
and then lost (``sent`` with no report ever). The sender asks Kannel for a report of
every kind, the SMSC's acceptance (8) included, so a message Kannel passed on always
reports within seconds. A doubtful message is resent only when

- no report of any kind arrived for it (one report proves Kannel has or had it),
- the gateway has been back *and empty* (running, SMSC online, nothing queued, nothing
  in its store) for ``wait`` without a break: a message Kannel still holds, waiting for
  its SMSC or replayed from its store after a restart, keeps it busy, and the reports
  of what it passed on had ``wait`` to come back,
- its attempt started ``wait`` ago or more, and it was resent fewer than
  ``max_resends`` times.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class ResendPolicy:
    wait: timedelta = timedelta(minutes=5)  # above Kannel's DLR round trip and retries
    max_resends: int = 2
    probe_every: timedelta = timedelta(seconds=10)


@dataclass
class GatewayWatch:
    """Since when the gateway has been seen back and empty at every probe (None: not)."""

    policy: ResendPolicy
    empty_since: datetime | None = None
    last_probe: datetime | None = None

    def due(self, now: datetime) -> bool:
        """Whether it is time to probe the gateway again."""
        return self.last_probe is None or now - self.last_probe >= self.policy.probe_every

    def observe(self, empty: bool, now: datetime) -> None:
        """One probe's answer: a busy or unreachable gateway starts the wait afresh."""
        self.last_probe = now
        if not empty:
            self.empty_since = None
        elif self.empty_since is None:
            self.empty_since = now

    def cutoff(self, now: datetime) -> datetime | None:
        """Doubtful attempts started at or before this instant may be resent; None while
        the gateway has not been empty for ``wait``."""
        wait = self.policy.wait
        if self.empty_since is None or now - self.empty_since < wait:
            return None
        return now - wait


def may_resend(state: str, attempt_at: datetime | None, reported: bool, resends: int,
               cutoff: datetime | None, policy: ResendPolicy) -> bool:
    """The rule for one message (``ivr.store.messages.resend_doubtful`` says it in SQL)."""
    return (state in DOUBTFUL and not reported and cutoff is not None
            and attempt_at is not None and attempt_at <= cutoff
            and resends < policy.max_resends)


DOUBTFUL = ("unknown", "sent")
