"""A citizen's call through the real stack: Asterisk 22, the IVR process, SIPp phones."""

from __future__ import annotations

import signal
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from ivr.simulate import AgentPhone
from ivr.sipp.scenario import Dtmf, Wait
from tests.fixtures.stack import running_stack
from townhall_support.stack import Stack
from townhall_support.wait import eventually

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, agent: AgentPhone) -> Iterator[Stack]:
    """Two IVR processes, as on a 2-core machine: a crash hands the call to the other
    one at once (the callers' keyed steps are timed for that, not for a restart)."""
    with running_stack(tmp_path_factory, agent, settings={"ivr_processes": 2}) as running:
        yield running


def test_keypad_choice_reaches_the_department_and_an_agent(live: Stack, agent) -> None:
    answered_before = agent.calls_answered
    result = live.call(dtmf="11", hold_seconds=10)  # ~3 s of announcement, then talk
    assert result.answered and result.sip_status == 200, result.error
    assert result.heard_seconds > 1.0  # the welcome and the menu were heard
    contact = live.contact(result.ref)
    assert contact is not None, live.app_log()
    assert (contact["target"], contact["routed_by"], contact["menu_path"]) == (
        "etat-civil", "dtmf", "1>1")
    assert agent.calls_answered > answered_before, live.app_log()[-2500:]
    done = live.contact(result.ref, until=lambda c: c["talk_seconds"] is not None)
    assert done is not None, live.app_log()
    assert done["outcome"] == "answered" and done["agent"] == "agent-etat-civil-1"
    assert done["wait_seconds"] is not None and done["wait_seconds"] < 10
    assert done["talk_seconds"] > 0
    kinds = [event["kind"] for event in done["events"]]
    assert kinds.index("queue_join") < kinds.index("agent_connect")


def test_nonsense_keys_are_reprompted_then_go_to_a_person(live: Stack) -> None:
    result = live.call(dtmf="###", hold_seconds=6)
    assert result.answered
    contact = live.contact(result.ref)
    assert contact is not None
    assert (contact["target"], contact["routed_by"]) == ("accueil", "default")


def test_hang_up_in_the_menu_is_recorded_with_its_stage(live: Stack) -> None:
    result = live.call(dtmf="1", hold_seconds=1)
    assert result.answered and result.hangup == "caller"
    contact = live.contact(result.ref, until=lambda c: c["outcome"] is not None)
    assert contact is not None
    assert contact["outcome"] == "abandoned_menu"


def test_fallback_answers_while_the_application_is_down(live: Stack) -> None:
    live.stop_app(signal.SIGKILL)
    result = live.call(hold_seconds=3)
    assert result.answered and result.heard_seconds > 0.5  # the dialplan spoke French
    live.start_app()
    # the call the IVR never saw is recorded once it is back (the dialplan logged it)
    contact = live.contact(result.ref, until=lambda c: c["outcome"] == "fallback")
    assert contact is not None and contact["outcome"] == "fallback", live.app_log()
    assert contact["caller"] == "0612345678"
    assert live.call(dtmf="11").answered


def test_application_reconnects_after_asterisk_restarts(live: Stack) -> None:
    live.asterisk.restart(timeout=30)
    live.wait_registered(timeout=20)  # the app came back by itself, no restart of ours
    result = live.call(dtmf="11")
    assert result.answered
    assert live.contact(result.ref) is not None


def test_a_call_survives_a_crash_of_the_application(live: Stack) -> None:
    """kill -9 mid-menu of the IVR process holding the call: another takes it over (or,
    alone, the restarted one takes it back) and it still routes."""
    ref = f"crash-{uuid.uuid4().hex[:8]}"
    call = live.start_call(hold_seconds=6, ref=ref, steps=[Wait(9), Dtmf("11")])
    assert live.contact(ref, wait=15) is not None, live.app_log()  # answered, in the menu
    crash_holder(live)
    result = call.result(timeout=60)
    assert result.answered
    contact = live.contact(result.ref, until=lambda c: c["target"] is not None)
    assert contact is not None, live.app_log()
    assert (contact["caller"], contact["target"]) == ("0612345678", "etat-civil")
    assert "resumed" in [event["kind"] for event in contact["events"]]


Contact = dict[str, Any]


def crash_holder(live: Stack) -> None:
    """kill -9 the IVR process holding the call in progress; alone, it is restarted."""
    assert eventually(lambda: live.busiest()[1] >= 1, 5, 0.05), live.app_log()
    if live.settings.ivr_processes == 1:
        live.stop_app(signal.SIGKILL)
        live.start_app()
    else:
        live.crash_busiest()


def crash_then_resume(live: Stack, prefix: str, steps: list[Any], hold_seconds: float,
                      crash_when: Callable[[Contact], bool],
                      done_when: Callable[[Contact], bool]) -> tuple[Contact, list[Any]]:
    """Place a call, kill -9 the app once its contact shows ``crash_when``, restart it;
    the contact once ``done_when`` holds, and the data of its ``resumed`` events."""
    ref = f"{prefix}-{uuid.uuid4().hex[:8]}"
    call = live.start_call(hold_seconds=hold_seconds, ref=ref, steps=steps)
    assert live.contact(ref, wait=20, until=crash_when) is not None, live.app_log()
    crash_holder(live)
    assert call.result(timeout=60).answered
    done = live.contact(ref, wait=20, until=done_when)
    assert done is not None, live.app_log()
    return done, [e["data"] for e in done["events"] if e["kind"] == "resumed"]


def test_a_crash_in_a_sub_menu_resumes_in_that_sub_menu(live: Stack) -> None:
    """kill -9 once the caller is in the « démarches » menu: the menus are kept on the
    channel, so after the restart the caller's next key (1: état civil) means what it
    meant there, not « 1 » of the main menu (another sub-menu)."""
    done, resumed = crash_then_resume(
        live, "submenu", [Wait(1), Dtmf("1"), Wait(10), Dtmf("1")], hold_seconds=10,
        crash_when=lambda c: any(e["kind"] == "dtmf" and e["data"]["meaning"] == "menu"
                                 for e in c["events"]),
        done_when=lambda c: c["target"] is not None)
    assert resumed == [{"menu": "demarches"}], live.app_log()[-3000:]
    assert done["target"] == "etat-civil"


def test_a_crash_during_the_transfer_announcement_still_puts_the_call_through(
        live: Stack) -> None:
    """kill -9 once the caller chose: the department is kept on the channel, so the
    restarted app puts the call through instead of asking again (SIPp keys only once).
    The route is stored as the announcement starts (~3 s long): the kill comes then."""
    done, resumed = crash_then_resume(
        live, "through", [Wait(1), Dtmf("11")], hold_seconds=14,
        crash_when=lambda c: c["target"] is not None,
        done_when=lambda c: c["outcome"] is not None)
    assert resumed == [{"target": "etat-civil"}], live.app_log()[-3000:]
    assert "queue_join" in [e["kind"] for e in done["events"]]
    assert done["outcome"] == "answered"
