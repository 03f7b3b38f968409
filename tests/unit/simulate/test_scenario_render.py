"""Rendering of the SIPp scenarios: valid XML, steps in order, nothing injectable."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from ivr.simulate import run_load
from ivr.sipp.scenario import (
    Audio,
    Dtmf,
    Say,
    ScenarioError,
    Wait,
    render_uac,
    render_uas,
)  # fmt: skip


def _uac(**options: object) -> ET.Element:
    params: dict[str, object] = {"caller": "0612345678", "called": "3000", "ref": "r-1"}
    return ET.fromstring(render_uac(**(params | options)).encode("iso-8859-1"))


def _after_steps_label(root: ET.Element) -> list[ET.Element]:
    children = list(root)
    start = next(i for i, el in enumerate(children) if el.get("id") == "steps")
    return children[start + 1:]


def _invite(root: ET.Element) -> str:
    return (root[0].text or "").strip()


def test_invite_carries_ref_caller_and_codecs() -> None:
    invite = _invite(_uac(listen_port=40000))
    assert "X-Townhall-Ref: r-1\n" in invite
    assert "From: <sip:0612345678@" in invite
    assert invite.startswith("INVITE sip:3000@")
    assert "m=audio 40000 RTP/AVP 0 101" in invite
    assert "a=rtpmap:101 telephone-event/8000" in invite


def test_without_listener_sdp_uses_sipp_media_port_and_numbered_ref() -> None:
    invite = _invite(_uac(numbered=True))
    assert "m=audio [media_port] RTP/AVP" in invite
    assert "X-Townhall-Ref: r-1-[call_number]" in invite


def test_steps_render_in_order() -> None:
    speech, one, pound = Path("/c/say.pcap"), Path("/c/dtmf-0-1.pcap"), Path("/c/dtmf-1-11.pcap")
    steps = [Wait(0.5), Dtmf("1#", gap=0.3, pcaps=(one, pound)), Audio(speech, 1.0)]
    root = _uac(steps=steps, hold_seconds=2)
    got = []
    for el in _after_steps_label(root)[:8]:
        exec_ = el.find("action/exec")
        got.append(el.get("milliseconds") if exec_ is None else dict(exec_.attrib))
    assert got == [
        "500",
        {"play_pcap_audio": str(one)}, "300",
        {"play_pcap_audio": str(pound)}, "300",
        {"play_pcap_audio": str(speech)}, "1200",
        "2000",
    ]


def test_attribute_values_are_escaped() -> None:
    odd = Path('/tmp/a&b"<c>\'.pcap')
    root = _uac(steps=[Audio(odd, 0.1)])
    assert [e.get("play_pcap_audio") for e in root.iter("exec")] == [str(odd)]


@pytest.mark.parametrize("field, value", [
    ("caller", "06\r\nX-Evil: 1"),
    ("caller", "a b"),
    ("called", "3000>"),
    ("ref", "r]]><send>"),
    ("ref", ""),
])  # fmt: skip
def test_header_values_are_refused_unless_plain_tokens(field: str, value: str) -> None:
    with pytest.raises(ScenarioError):
        _uac(**{field: value})


def test_unknown_keys_are_refused() -> None:
    with pytest.raises(ScenarioError, match="'a'"):
        Dtmf("1a")


@pytest.mark.parametrize("steps", [
    [Dtmf("12", pcaps=(Path("/c/one.pcap"),))],
    [Say("bonjour")],
    [Wait(-1)],
    [Audio(Path("/tmp/x.pcap"), -0.5)],
])  # fmt: skip
def test_unplayable_steps_are_refused(steps: list[object]) -> None:
    with pytest.raises(ScenarioError):
        _uac(steps=steps)


def test_remote_bye_is_accepted_at_any_step() -> None:
    root = _uac(steps=[Wait(1)])
    byes = [el for el in root if el.tag == "recv" and el.get("request") == "BYE"]
    assert byes[0].get("optional") == "global"
    labels = [el.get("id") for el in root if el.tag == "label"]
    assert labels == ["steps", "remote_bye", "rejected", "end"]


@pytest.mark.parametrize("mode, marker", [
    ("answer", "SIP/2.0 200 OK"),
    ("busy", "SIP/2.0 486 Busy Here"),
    ("noanswer", "SIP/2.0 480 Temporarily Unavailable"),
])  # fmt: skip
def test_agent_modes(mode: str, marker: str) -> None:
    xml = render_uas(mode, ring_seconds=1, max_seconds=5, listen_port=41000)
    root = ET.fromstring(xml.encode("iso-8859-1"))
    texts = [(el.text or "").strip() for el in root.iter("send")]
    assert any(t.startswith(marker) for t in texts)
    assert ("m=audio 41000" in xml) == (mode == "answer")


def test_unknown_agent_mode_is_refused() -> None:
    with pytest.raises(ScenarioError):
        render_uas("sleepy")


def test_injected_callers_and_logged_key_presses() -> None:
    one, two = Path("/c/dtmf-0-1.pcap"), Path("/c/dtmf-1-2.pcap")
    root = _uac(steps=[Dtmf("12", pcaps=(one, two))], numbered=True, injected_caller=True)
    assert "From: <sip:[field0]@" in _invite(root)
    logs = [el.get("message") for el in root.iter("log")]
    assert "keyed=r-1-[call_number]:1" in logs and "keyed=r-1-[call_number]:2" in logs


def test_a_load_refuses_a_caller_number_sip_cannot_carry() -> None:
    with pytest.raises(ScenarioError):
        run_load("127.0.0.1", 5060, calls=1, concurrent=1, rate=1,
                 callers=["0612\r\nX-Evil: 1"])
