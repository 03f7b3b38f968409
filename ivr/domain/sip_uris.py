"""SIP addresses that go into Asterisk's configuration: checked where they enter.

Asterisk must never need DNS (``docs`` and the README say why), and a value written
into ``pjsip.conf`` must not be able to add a line or a section: only
``sip:[user@]IP[:port][;params]`` with no space or control character is accepted.
"""

from __future__ import annotations

import ipaddress
import re

_CONTACT = re.compile(
    r"^sips?:(?:[^@;\s]+@)?(?P<host>\[[0-9a-fA-F:.]+\]|[0-9.]+)(?::\d{1,5})?(?:;[^\s]*)?$"
)


def check_ip(value: str) -> None:
    """ValueError unless ``value`` (maybe in brackets) is an IP address."""
    try:
        ipaddress.ip_address(value.strip("[]"))
    except ValueError:
        raise ValueError(f"{value!r} n'est pas une adresse IP "
                         "(Asterisk ne doit jamais dépendre du DNS)") from None


def check_sip_contact(contact: str) -> str:
    """Return ``contact`` when provisioning can render it; else ValueError."""
    match = _CONTACT.fullmatch(contact)
    if match is None or not contact.isprintable():
        raise ValueError(f"le contact {contact!r} doit s'écrire sip:[utilisateur@]IP[:port]")
    check_ip(match["host"])
    return contact
