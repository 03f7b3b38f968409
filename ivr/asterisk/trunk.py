"""The operator's SIP trunk, checked before it goes into ``pjsip.conf``: pure.

The town hall registers to the operator with digest credentials (its account and the
password the operator gave, kept in ``secrets/trunk_password``); the operator's calls
are recognised by their source address only (``identify_by=ip``): a user name is
whatever the sender writes, so it never identifies the trunk. Only the town hall's
public numbers (DIDs) reach the IVR; the operator may present one as ``+33…``,
``33…`` or ``0…``, so each is accepted in those three forms.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from ivr.domain.phone_numbers import national_digits, to_e164
from ivr.domain.sip_uris import check_ip

# A registration account: it goes into pjsip.conf and SIP headers, so no space,
# separator or control character can add a line or a parameter.
_ACCOUNT = re.compile(r"^[A-Za-z0-9_.+-]{1,64}$")


@dataclass(frozen=True)
class OperatorTrunk:
    """Where the operator is, who we are to it, whom it calls for."""

    server: str  # IP:port of the operator's SIP server
    account: str
    password: str
    match: tuple[str, ...]  # the operator's addresses or networks
    dids: tuple[str, ...]  # the town hall's public numbers, E.164

    @property
    def conf_password(self) -> str:
        """The password as pjsip.conf reads it (« ; » would start a comment)."""
        return self.password.replace(";", "\\;")

    @property
    def caller_id(self) -> str:
        """The number presented on callbacks and alerts: the first DID (the main one)."""
        return self.dids[0]

    def dialled_forms(self) -> list[str]:
        """Every way the operator may write one of our numbers in the request URI."""
        forms: list[str] = []
        for did in self.dids:
            forms += [did, did.removeprefix("+"), national_digits(did)]
        return list(dict.fromkeys(forms))


def _server(value: str) -> str:
    host, _, port = value.rpartition(":") if value.count(":") == 1 else (value, "", "")
    try:
        check_ip(host)
    except ValueError:
        raise ValueError(f"TOWNHALL_TRUNK_HOST : {value!r} doit être IP[:port] (pas de nom : "
                         "Asterisk ne doit jamais dépendre du DNS)") from None
    if port and not (port.isdigit() and 0 < int(port) < 65536):
        raise ValueError(f"TOWNHALL_TRUNK_HOST : port invalide dans {value!r}")
    return f"{host}:{port or 5060}"


def _network(value: str) -> str:
    try:
        return str(ipaddress.ip_network(value, strict=False))
    except ValueError:
        raise ValueError(f"TOWNHALL_TRUNK_MATCH : {value!r} n'est ni une adresse IP ni un "
                         "réseau (pas de nom : Asterisk ne doit jamais dépendre du DNS)") from None


def _did(value: str) -> str:
    e164 = to_e164(value)
    if e164 is None:
        raise ValueError(f"TOWNHALL_TRUNK_DIDS : {value!r} n'est pas un numéro valide")
    return e164


def _items(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def operator_trunk(host: str, account: str, password: str, match: str,
                   dids: str) -> OperatorTrunk | None:
    """The checked trunk of the ``TOWNHALL_TRUNK_*`` values; None when no host is set.

    Raises ValueError with a French message naming the variable at fault.
    """
    if not host:
        return None
    server = _server(host)
    if not _ACCOUNT.fullmatch(account):
        raise ValueError("TOWNHALL_TRUNK_USER : le compte fourni par l'opérateur est requis "
                         "(lettres, chiffres, « _.+- »)")
    if not password or not password.isprintable() or len(password) > 128:
        raise ValueError("mot de passe du trunk absent ou illisible (secrets/trunk_password)")
    numbers = tuple(_did(value) for value in _items(dids))
    if not numbers:
        raise ValueError("TOWNHALL_TRUNK_DIDS : au moins un numéro public de la mairie")
    networks = tuple(_network(value) for value in _items(match) or [server.rsplit(":", 1)[0]])
    return OperatorTrunk(server, account, password, networks, numbers)
