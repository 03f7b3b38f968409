"""Which addresses to block after repeated SIP authentication failures: pure.

Asterisk reports each failure as a security event (``security.log``): an unknown
account or peer (``InvalidAccountID``), a wrong digest (``ChallengeResponseFailed``),
a wrong password (``InvalidPassword``). An address with ``limit`` failures within
``window`` is blocked for ``ban`` after the last of them. Requests refused by the block
itself (``FailedACL``) are not failures: the ban ends ``ban`` after the last guess
even if the scanner keeps knocking. The operator's addresses and loopback are never
blocked: a mistyped trunk password must not cut the town hall off.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

FAILURE_EVENTS = frozenset({"InvalidAccountID", "ChallengeResponseFailed", "InvalidPassword"})
_FIELD = re.compile(r'(\w+)="([^"]*)"')


@dataclass(frozen=True)
class Failure:
    """One failed SIP authentication."""

    at: datetime
    address: str
    account: str
    event: str


@dataclass(frozen=True)
class Policy:
    """How many failures, how fast, block for how long, and who is never blocked."""

    limit: int = 5
    window: timedelta = timedelta(minutes=10)
    ban: timedelta = timedelta(hours=1)
    never: tuple[str, ...] = field(default=("127.0.0.1/32",))

    def spared(self, address: str) -> bool:
        ip = ipaddress.ip_address(address)
        return any(ip in ipaddress.ip_network(net, strict=False) for net in self.never)


def parse_line(line: str) -> Failure | None:
    """A failure from one ``security.log`` line; None for anything else."""
    fields = dict(_FIELD.findall(line))
    if fields.get("SecurityEvent") not in FAILURE_EVENTS or fields.get("Service") != "PJSIP":
        return None
    parts = fields.get("RemoteAddress", "").split("/")  # IPV4/UDP/203.0.113.9/5060
    try:
        at = datetime.strptime(fields.get("EventTV", ""), "%Y-%m-%dT%H:%M:%S.%f%z")
        address = str(ipaddress.ip_address(parts[2]))
    except (ValueError, IndexError):
        return None
    return Failure(at, address, fields.get("AccountID", ""), fields["SecurityEvent"])


def blocked(failures: Iterable[Failure], now: datetime, policy: Policy) -> dict[str, datetime]:
    """Address → end of its ban, for the addresses blocked at ``now``."""
    times: dict[str, list[datetime]] = {}
    for failure in failures:
        times.setdefault(failure.address, []).append(failure.at)
    bans: dict[str, datetime] = {}
    for address, stamps in times.items():
        if policy.spared(address):
            continue
        stamps.sort()
        for i in range(policy.limit - 1, len(stamps)):
            if stamps[i] - stamps[i - policy.limit + 1] <= policy.window:
                bans[address] = stamps[i] + policy.ban
        if address in bans and bans[address] <= now:
            del bans[address]
    return bans


def acl_text(addresses: Iterable[str]) -> str:
    """The PJSIP ACL section denying ``addresses`` (nothing when there are none)."""
    lines = [f"deny = {address}" for address in sorted(addresses)]
    if not lines:
        return "; no address blocked\n"
    return "\n".join(["; written by « townhall-ivr security guard »", "[townhall-blocked]",
                      "type = acl", *lines, ""])
