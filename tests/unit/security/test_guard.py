"""Blocking after repeated SIP authentication failures, from Asterisk's security log."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from ivr.security.guard import Failure, Policy, acl_text, blocked, parse_line

LINE = ('[2026-11-30 15:34:46.521] SECURITY[13764] res_security_log.c: '
        'SecurityEvent="{event}",EventTV="2026-11-30T15:34:46.521+0000",Severity="Error",'
        'Service="{service}",EventVersion="1",AccountID="agent-1",SessionID="1-14703@x",'
        'LocalAddress="IPV4/UDP/192.0.2.1/5060",RemoteAddress="IPV4/UDP/{ip}/58824"')
T0 = datetime.fromisoformat("2026-11-30T15:00:00+00:00")


def _failures(address: str, *seconds: int) -> list[Failure]:
    return [Failure(T0 + timedelta(seconds=s), address, "agent-1", "InvalidAccountID")
            for s in seconds]


@pytest.mark.parametrize("event", ["InvalidAccountID", "ChallengeResponseFailed",
                                   "InvalidPassword"])
def test_failures_are_read_from_the_security_log(event: str) -> None:
    failure = parse_line(LINE.format(event=event, service="PJSIP", ip="203.0.113.9"))
    assert failure == Failure(datetime.fromisoformat("2026-11-30T15:34:46.521+00:00"),
                              "203.0.113.9", "agent-1", event)


@pytest.mark.parametrize(("event", "service", "ip"), [
    ("SuccessfulAuth", "PJSIP", "203.0.113.9"),
    ("ChallengeSent", "PJSIP", "203.0.113.9"),
    ("FailedACL", "PJSIP", "203.0.113.9"),  # refused by the block itself: not a guess
    ("InvalidPassword", "AMI", "203.0.113.9"),
    ("InvalidPassword", "PJSIP", "not-an-ip"),
])  # fmt: skip
def test_other_lines_are_not_failures(event: str, service: str, ip: str) -> None:
    assert parse_line(LINE.format(event=event, service=service, ip=ip)) is None
    assert parse_line("garbage \x00 SecurityEvent=") is None


def test_limit_failures_within_the_window_block_for_the_ban() -> None:
    policy = Policy(limit=3, window=timedelta(minutes=1), ban=timedelta(hours=1))
    failures = _failures("203.0.113.9", 0, 20, 40) + _failures("198.51.100.4", 0, 50, 200)
    assert blocked(failures, T0 + timedelta(minutes=5), policy) == {
        "203.0.113.9": T0 + timedelta(seconds=40) + timedelta(hours=1)}
    assert blocked(failures, T0 + timedelta(hours=2), policy) == {}


def test_the_operator_and_loopback_are_never_blocked() -> None:
    policy = Policy(limit=2, never=("127.0.0.1/32", "192.0.2.0/28"))
    failures = _failures("127.0.0.1", 0, 1, 2) + _failures("192.0.2.7", 0, 1, 2)
    assert blocked(failures, T0, policy) == {}


def test_the_acl_denies_each_blocked_address() -> None:
    text = acl_text(["203.0.113.9", "198.51.100.4"])
    assert "type = acl\ndeny = 198.51.100.4\ndeny = 203.0.113.9\n" in text
    assert "[" not in acl_text([])
