"""Read Asterisk's security log; write the PJSIP ACL of blocked addresses and reload it."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ivr.asterisk.process import AsteriskInstance
from ivr.asterisk.render import BLOCKED_FILE
from ivr.security.guard import Failure, Policy, acl_text, blocked, parse_line
from ivr.settings import Settings

log = logging.getLogger(__name__)



def security_log(instance: AsteriskInstance) -> Path:
    return instance.layout.dir("log") / "security.log"


def read_failures(path: Path) -> list[Failure]:
    """Every failure in the log (an absent log: none yet)."""
    try:
        with path.open(encoding="utf-8", errors="replace") as lines:
            return [f for line in lines if (f := parse_line(line)) is not None]
    except FileNotFoundError:
        return []


def guard_once(instance: AsteriskInstance, now: datetime, policy: Policy) -> dict[str, datetime]:
    """Block the addresses the log condemns at ``now``; returns them with their ban's end.

    The ACL file is rewritten and PJSIP's ACL reloaded only when the set changed.
    """
    bans = blocked(read_failures(security_log(instance)), now, policy)
    path = instance.layout.dir("etc") / BLOCKED_FILE
    text = acl_text(bans)
    current = path.read_text() if path.exists() else acl_text([])
    if text != current:
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(text)
        os.replace(tmp, path)
        # res_pjsip_acl's own reload keeps the old list: PJSIP reloads as a whole
        instance.cli("module reload res_pjsip.so")
        log.warning("sip addresses blocked", extra={"addresses": ",".join(sorted(bans))})
    return bans


@dataclass(frozen=True)
class SipSecurity:
    """What the administrator sees: Asterisk running, recent failures, blocked addresses."""

    running: bool
    failures: list[Failure]
    blocked: list[str]


def sip_security(settings: Settings, last: int = 50) -> SipSecurity:
    """The running instance's failures (newest first) and the addresses its ACL denies;
    never starts nor provisions Asterisk."""
    instance = AsteriskInstance(settings)
    if not instance.is_running():
        return SipSecurity(False, [], [])
    failures = read_failures(security_log(instance))[-last:][::-1]
    acl = instance.layout.dir("etc") / BLOCKED_FILE
    text = acl.read_text() if acl.exists() else ""
    denied = [line.split("=", 1)[1].strip() for line in text.splitlines()
              if line.startswith("deny")]
    return SipSecurity(True, failures, denied)
