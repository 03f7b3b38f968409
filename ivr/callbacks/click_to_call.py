"""Click-to-call from the admin: ring the agent's phone first, then dial the citizen.

AMI ``Originate`` with ``Application=Dial``: Asterisk rings the agent's endpoint and,
once the agent picks up, dials the citizen through the same outbound endpoint as the
automatic callbacks (``TOWNHALL_CALLBACK_ENDPOINT``). No Stasis application and no
extra dialplan are needed, and the admin already holds an AMI connection. The agent
hears the ringback; if the agent does not answer within ``agent_ring_seconds`` nothing
is dialled.
"""

from __future__ import annotations

import logging
import re
from typing import Protocol

from ivr.domain.phone_numbers import check_number, national_digits

log = logging.getLogger(__name__)

_AGENT_ENDPOINT = re.compile(r"^PJSIP/[a-z0-9][a-z0-9_-]*$")


class Originator(Protocol):
    """``AmiListener.originate`` (a recording fake in tests)."""

    def originate(self, channel: str, application: str, data: str, caller_id: str,
                  timeout_ms: int) -> None: ...


class ClickToCallError(ValueError):
    """The agent endpoint or the citizen's number cannot be used."""


def dial_data(endpoint_template: str, number: str, citizen_ring_seconds: int) -> str:
    """``Dial()`` arguments for the citizen: ``PJSIP/0612345678@citizen-trunk,45``."""
    e164 = check_number(number).e164
    if e164 is None:
        raise ClickToCallError(f"numéro impossible à rappeler : {number}")
    target = endpoint_template.format(number=e164, national=national_digits(e164))
    return f"{target},{citizen_ring_seconds}"


def click_to_call(ami: Originator, agent_endpoint: str, number: str, endpoint_template: str,
                  agent_ring_seconds: int = 30, citizen_ring_seconds: int = 45) -> None:
    """Ring ``agent_endpoint`` (``PJSIP/<agent id>``), then the citizen at ``number``."""
    if not _AGENT_ENDPOINT.match(agent_endpoint):
        raise ClickToCallError(f"poste d’agent invalide : {agent_endpoint}")
    data = dial_data(endpoint_template, number, citizen_ring_seconds)
    display = national_digits(check_number(number).e164 or number)
    ami.originate(agent_endpoint, "Dial", data, f'"Rappel {display}" <{display}>',
                  agent_ring_seconds * 1000)
    log.info("click-to-call originated", extra={"agent": agent_endpoint, "dial": data})
