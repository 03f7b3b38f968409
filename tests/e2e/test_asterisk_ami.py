"""The AMI listener against a real Asterisk: views, member actions, events, reconnection."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from ivr.asterisk.process import AsteriskInstance
from ivr.asterisk.render import AgentEndpoint, QueueSpec
from ivr.simulate import start_call
from ivr.telephony.ami import AmiError, AmiListener
from ivr.telephony.queue_events import (
    CallerAbandoned,
    CallerJoined,
    MemberPaused,
    QueueEvent,
)
from tests.fixtures.asterisk import discard, make_asterisk_settings
from townhall_support.ports import free_port
from townhall_support.wait import eventually

pytestmark = pytest.mark.e2e
AGENT = "PJSIP/agent-1"
T = TypeVar("T")


@pytest.fixture
def instance(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AsteriskInstance]:
    """Asterisk with one agent (static contact nobody answers) in the accueil queue."""
    instance = AsteriskInstance(make_asterisk_settings(tmp_path_factory))
    contact = f"sip:agent-1@127.0.0.1:{free_port(socket.SOCK_DGRAM)}"
    instance.render(
        queues=[QueueSpec("accueil", members=(AGENT,)), QueueSpec("etat-civil")],
        agents=[AgentEndpoint("agent-1", contact=contact)],
        fallback_wait=20,
    )
    instance.start()
    yield instance
    discard(instance)


@pytest.fixture
def listener(instance: AsteriskInstance) -> Iterator[tuple[AmiListener, list[QueueEvent]]]:
    events: list[QueueEvent] = []
    listener = AmiListener(instance.settings, on_event=events.append, backoff=0.2)
    listener.start()
    assert listener.wait_connected(10)
    yield listener, events
    listener.stop()


def _eventually(probe: Callable[[], T | None], timeout: float = 10) -> T:
    """``eventually``, an AMI error (the listener reconnecting) meaning "not yet"."""
    def tolerant() -> T | None:
        try:
            return probe()
        except AmiError:
            return None

    value = eventually(tolerant, timeout, 0.1)
    assert value, "condition not met in time"
    return value


def _first(events: list[QueueEvent], kind: type[T]) -> T | None:
    return next((e for e in events if isinstance(e, kind)), None)


def test_views_seeded_and_member_actions(listener: tuple[AmiListener, list[QueueEvent]]) -> None:
    ami, events = listener
    views = ami.views()
    assert set(views["accueil"].members) == {AGENT}
    assert views["accueil"].available_agents == [AGENT]
    ami.pause("accueil", AGENT, reason="pause déjeuner")
    paused = _eventually(lambda: _first(events, MemberPaused))
    assert paused.paused and paused.reason == "pause déjeuner"
    assert ami.views()["accueil"].available_agents == []
    assert ami.views()["etat-civil"].members == {}
    ami.add_member("etat-civil", AGENT)
    _eventually(lambda: AGENT in ami.views()["etat-civil"].members)
    ami.remove_member("etat-civil", AGENT)
    _eventually(lambda: AGENT not in ami.views()["etat-civil"].members or None)
    with pytest.raises(AmiError):
        ami.remove_member("etat-civil", AGENT)


def test_caller_join_and_abandon(
    listener: tuple[AmiListener, list[QueueEvent]], instance: AsteriskInstance, tmp_path: Path
) -> None:
    ami, events = listener
    facts: list[QueueEvent] = []  # the IVR's listener: call facts, no agent states
    facts_listener = AmiListener(instance.settings, on_event=facts.append, facts_only=True)
    facts_listener.start()
    assert facts_listener.wait_connected(10)
    # paused agents do not empty the queue: the fallback caller waits in accueil
    ami.pause("accueil", AGENT)
    call = start_call("127.0.0.1", instance.settings.sip_port, steps=[], hold_seconds=6,
                      cache_dir=tmp_path)
    joined = _eventually(lambda: _first(events, CallerJoined))
    assert joined.queue == "accueil" and joined.position == 1
    assert ami.views()["accueil"].waiting == [joined.uniqueid]
    assert call.result(timeout=30).answered
    abandoned = _eventually(lambda: _first(events, CallerAbandoned))
    assert abandoned.uniqueid == joined.uniqueid
    _eventually(lambda: ami.views()["accueil"].waiting == [] or None)
    facts_listener.stop()
    # (Asterisk sends the leave before or after the abandon)
    assert sorted(type(e).__name__ for e in facts) == [
        "CallerAbandoned", "CallerJoined", "CallerLeft"]
    assert any(isinstance(e, MemberPaused) for e in events)  # sent to the other user only


def test_reconnects_after_asterisk_restart(
    listener: tuple[AmiListener, list[QueueEvent]], instance: AsteriskInstance
) -> None:
    ami, _ = listener
    instance.restart()
    _eventually(lambda: ami.pause("accueil", AGENT) or True, timeout=15)
    # the view follows the QueueMemberPause event of the new connection
    _eventually(lambda: ami.views()["accueil"].members[AGENT].paused)
