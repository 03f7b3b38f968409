"""The simulator end to end: SIPp citizens against SIPp agents, then a real Asterisk."""

from __future__ import annotations

import json
import socket
import wave
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from ivr.asterisk.process import AsteriskInstance
from ivr.asterisk.render import AgentEndpoint, QueueSpec
from ivr.cli.call import call
from ivr.simulate import AgentPhone, CallResult, place_call, run_load, start_call
from ivr.sipp.scenario import Dtmf, Say, Step, Wait
from tests.fixtures.asterisk import default_queues

pytestmark = pytest.mark.e2e

Phones = Callable[..., AgentPhone]


def test_citizen_keys_digits_and_speaks_to_an_agent(agent_phone: Phones, tmp_path: Path) -> None:
    agent = agent_phone(ring_seconds=0.5, listen=True)
    result = place_call("127.0.0.1", agent.port, dtmf="112#", say="Bonjour, l'état civil.",
                        hold_seconds=0.5, timeout=20, cache_dir=tmp_path)
    assert (result.answered, result.sip_status, result.hangup) == (True, 200, "caller")
    assert result.sipp_exit == 0 and not result.error
    assert agent.calls_answered == 1
    heard = agent.heard()
    assert heard.digits == "112#"  # a repeated key is two presses
    assert heard.voiced_seconds > 0.5  # the French words reached the far end


@pytest.mark.parametrize("mode, status", [("busy", 486), ("noanswer", 480)])
def test_refusing_phones(agent_phone: Phones, mode: str, status: int) -> None:
    agent = agent_phone(mode, max_seconds=1)
    result = place_call("127.0.0.1", agent.port, hold_seconds=0.5, timeout=15)
    assert (result.answered, result.sip_status, result.hangup) == (False, status, None)
    assert (agent.calls_received, agent.calls_answered) == (1, 0)


def test_far_end_hangs_up_concurrent_callers(agent_phone: Phones) -> None:
    agent = agent_phone(max_seconds=1)
    calls = [start_call("127.0.0.1", agent.port, hold_seconds=20, timeout=30) for _ in range(3)]
    results = [future.result(timeout=40) for future in calls]
    assert [r.hangup for r in results] == ["remote"] * 3
    assert all(r.duration < 10 for r in results)
    assert len({r.ref for r in results}) == 3
    assert agent.calls_answered == 3


def test_load_batch_counts_calls(agent_phone: Phones, tmp_path: Path) -> None:
    agent = agent_phone(max_seconds=30)
    load = run_load("127.0.0.1", agent.port, calls=6, concurrent=3, rate=20,
                    hold_seconds=0.5, dtmf="1", timeout=30, cache_dir=tmp_path)
    assert (load.attempted, load.completed, load.failed, load.sipp_exit) == (6, 6, 0, 0)
    assert load.stats is not None and load.stats.call_length_ms > 1000
    assert agent.calls_answered == 6


def test_fallback_is_heard_when_no_application(
    citizen: Callable[..., CallResult], tmp_path: Path
) -> None:
    wav = tmp_path / "heard.wav"
    result = citizen(hold=4, record=wav)
    assert (result.answered, result.sip_status) == (True, 200)
    assert result.heard_seconds > 0.5
    with wave.open(str(wav)) as heard:
        assert heard.getnframes() > 0.5 * 8000


def test_fallback_queue_rings_the_agent_who_hears_the_citizen(
    asterisk_fresh: AsteriskInstance, agent_phone: Phones, tmp_path: Path
) -> None:
    agent = agent_phone(listen=True, max_seconds=30)
    contact = f"sip:agent1@127.0.0.1:{agent.port}"
    queues = [q for q in default_queues() if q.name != "accueil"]
    asterisk_fresh.render(queues=[*queues, QueueSpec("accueil", members=("PJSIP/agent1",))],
                          agents=[AgentEndpoint("agent1", contact=contact)], fallback_wait=20)
    asterisk_fresh.restart()
    # the fallback message plays, then the queue rings the agent: speak after that
    steps: list[Step] = [Wait(10), Dtmf("5"), Say("Bonjour, je voudrais un passeport.")]
    result = place_call("127.0.0.1", asterisk_fresh.settings.sip_port, steps=steps,
                        hold_seconds=1, timeout=40, cache_dir=tmp_path)
    assert (result.answered, result.hangup) == (True, "caller")
    assert agent.calls_answered == 1
    heard = agent.heard()
    assert heard.digits == "5"
    assert heard.voiced_seconds > 1.0


def test_call_command_reports_in_plain_english(asterisk: AsteriskInstance) -> None:
    runner = CliRunner()
    args = ["--port", str(asterisk.settings.sip_port), "--hold", "2", "--dtmf", "1"]
    plain = runner.invoke(call, args, obj=asterisk.settings)
    assert plain.exit_code == 0, plain.output
    assert "answered: yes (SIP 200)" in plain.output
    as_json = runner.invoke(call, [*args, "--json"], obj=asterisk.settings)
    report = json.loads(as_json.output)
    assert report["answered"] is True and report["heard_seconds"] > 0.5
    assert report["contact"] is None  # no application ran, so nothing was stored


def test_queue_gives_up_on_a_slow_agent(
    asterisk_fresh: AsteriskInstance, agent_phone: Phones
) -> None:
    agent = agent_phone(ring_seconds=30)
    contact = f"sip:agent1@127.0.0.1:{agent.port}"
    queues = [q for q in default_queues() if q.name != "accueil"]
    asterisk_fresh.render(queues=[*queues, QueueSpec("accueil", members=("PJSIP/agent1",))],
                          agents=[AgentEndpoint("agent1", contact=contact)], fallback_wait=2)
    asterisk_fresh.restart()
    result = place_call("127.0.0.1", asterisk_fresh.settings.sip_port, hold_seconds=12,
                        timeout=40)
    assert result.answered
    assert (agent.calls_received, agent.calls_answered, agent.calls_cancelled) == (1, 0, 1)


def test_agent_phone_on_a_taken_port_says_why() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        with pytest.raises(RuntimeError, match=r"sipp did not start: .+"):
            AgentPhone(taken.getsockname()[1]).start()
