"""From the routing rules to a configured Asterisk instance.

Departments become app_queue queues, agents become PJSIP endpoints, and every prompt
the rules and the catalogue need is rendered where this instance reads its sounds.
"""

from __future__ import annotations

import logging
from pathlib import Path

from ivr.asterisk.process import AsteriskInstance
from ivr.asterisk.render import AgentEndpoint, QueueSpec
from ivr.prompts import PromptLibrary, ahead_of_calls
from ivr.rules import Rules, load_rules
from ivr.settings import Settings

log = logging.getLogger(__name__)


def queue_specs(rules: Rules) -> list[QueueSpec]:
    """One queue per department that people answer (not the IVR-answered ones)."""
    return [
        QueueSpec(
            name=target, label=dept.name, strategy=dept.queue.strategy,
            timeout=dept.queue.ring_timeout, wrapuptime=dept.queue.wrapup,
            announce_frequency=dept.queue.announce_every,
            announce_position="yes" if dept.queue.announce_position else "no",
            members=tuple(f"PJSIP/{agent}" for agent in rules.queue_members(target)),
            max_wait=dept.queue.max_wait, max_callers=dept.queue.max_callers,
            overflow=None if dept.overflow == "voicemail" else dept.overflow,
            callback_offer_every=rules.callbacks.offer_after_wait,
        )
        for target, dept in rules.departments.items() if not dept.answered_by_ivr
    ]


def agent_endpoints(rules: Rules, settings: Settings) -> list[AgentEndpoint]:
    """Agents' phones: a static contact (dev, tests) or a generated SIP password."""
    return [
        AgentEndpoint(agent_id, contact=agent.contact,
                      password=None if agent.contact else settings.secret(f"sip-{agent_id}"))
        for agent_id, agent in rules.agents.items()
    ]


def configure_asterisk(settings: Settings, instance: AsteriskInstance,
                       rules: Rules | None = None, prompt_cache: Path | None = None) -> None:
    """Provision (or reuse) Asterisk, render its configuration and the prompts (copied
    from ``prompt_cache`` when another instance rendered them there)."""
    rules = rules or load_rules(settings.rules_path)
    instance.provision()
    library = PromptLibrary(instance.sounds_dir, cache_dir=prompt_cache,
                            prompts_dir=settings.prompts_dir)
    report = library.build_all(ahead_of_calls(rules))
    instance.render(queues=queue_specs(rules), agents=agent_endpoints(rules, settings))
    log.info("asterisk configured", extra={"queues": len(rules.departments),
                                           "agents": len(rules.agents),
                                           "prompts_rendered": len(report.rendered)})
