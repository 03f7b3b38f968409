"""Callbacks end to end on stacks of their own (rules changed for the test): the offer
heard while waiting in a queue, and the admin's click-to-call through AMI."""

from __future__ import annotations

import pytest

from ivr.callbacks.click_to_call import click_to_call
from ivr.simulate import AgentPhone
from ivr.sipp.scenario import Dtmf, Wait
from ivr.telephony.ami import AmiListener
from tests.fixtures.stack import callback_of, running_stack
from townhall_support.wait import eventually

pytestmark = pytest.mark.e2e


def test_caller_waiting_in_the_queue_presses_1_to_be_called_back(
        tmp_path_factory: pytest.TempPathFactory, agent: AgentPhone) -> None:
    """Nobody answers état civil; after 3 s in the queue the offer is heard, 1 leaves the
    queue for the application, which confirms the caller ID and promises the callback."""
    with AgentPhone(mode="noanswer", max_seconds=60) as silent, running_stack(
            tmp_path_factory, agent,
            contacts={"agent-etat-civil-1": f"sip:agent@127.0.0.1:{silent.port}"},
            departments={"etat-civil": {"queue": {"max_wait": 60}}},
            sections={"callbacks": {"offer_after_wait": 3}}) as stack:
        result = stack.call(steps=[Wait(1), Dtmf("11"), Wait(14), Dtmf("1"), Wait(9),
                                   Dtmf("1")], hold_seconds=10)
        assert result.answered
        callback = callback_of(stack, result.ref)
        assert (callback.target, callback.number, callback.state) == (
            "etat-civil", "+33612345678", "pending")
        contact = stack.contact(result.ref)
        assert contact is not None
        kinds = [event["kind"] for event in contact["events"]]
        assert kinds.index("queue_join") < kinds.index("callback_promised")


def test_click_to_call_rings_the_agent_then_the_citizen(
        tmp_path_factory: pytest.TempPathFactory, agent: AgentPhone) -> None:
    """The admin's « Appeler »: AMI Originate rings the agent's phone, then dials the
    citizen through the citizen trunk once the agent picks up."""
    with AgentPhone(mode="answer", max_seconds=15) as citizen, running_stack(
            tmp_path_factory, agent,
            settings={"citizen_trunk": f"sip:127.0.0.1:{citizen.port}"}) as stack:
        ami = AmiListener(stack.settings)
        ami.start()
        try:
            assert ami.wait_connected(15)
            before = agent.calls_answered
            click_to_call(ami, "PJSIP/agent-etat-civil-1", "06 12 34 56 78",
                          stack.settings.callback_endpoint)
            assert eventually(lambda: citizen.calls_answered == 1, 20)
            assert agent.calls_answered == before + 1  # the agent was rung first
        finally:
            ami.stop()
