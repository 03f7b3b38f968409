"""Agents' SIP passwords: generated once into the secrets folder (0600), shown to the
agent to type into their phone, replaced on request; a running Asterisk takes a new
one at once. Shared by ``townhall-ivr production agent-password`` and the admin."""

from __future__ import annotations

from dataclasses import dataclass

from ivr.asterisk.process import AsteriskInstance
from ivr.rules import Rules
from ivr.settings import Settings
from ivr.stack.provisioning import agent_endpoints, queue_specs


class NotARegisteringPhone(ValueError):
    """The id names no agent whose phone registers (unknown, or a static contact)."""


@dataclass(frozen=True)
class AgentPassword:
    agent_id: str
    password: str
    applied_now: bool  # False: a new password waits for the next start of Asterisk


def registering_agents(rules: Rules) -> dict[str, str]:
    """Agents whose phone registers with a password: id → name."""
    return {agent_id: agent.name for agent_id, agent in rules.agents.items()
            if not agent.contact}


def agent_password(settings: Settings, rules: Rules, agent_id: str,
                   rotate: bool = False) -> AgentPassword:
    """The agent's password; with ``rotate`` a new one (the old stops working)."""
    if agent_id not in registering_agents(rules):
        raise NotARegisteringPhone(f"« {agent_id} » n'est pas un agent dont le téléphone "
                                   "s'enregistre (voir « agents » dans les règles)")
    if rotate:
        (settings.home / "secrets" / f"sip-{agent_id}").unlink(missing_ok=True)
    password = settings.secret(f"sip-{agent_id}")
    instance = AsteriskInstance(settings)
    applied = not rotate or instance.is_running()
    if rotate and applied:
        instance.render(queues=queue_specs(rules), agents=agent_endpoints(rules, settings))
        instance.cli("module reload res_pjsip.so")
    return AgentPassword(agent_id, password, applied)
