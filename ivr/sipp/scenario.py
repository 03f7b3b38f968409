"""SIPp scenarios of the simulator, rendered per call from the XML templates.

A scenario is data: the steps a citizen takes (wait, key digits, speak) become
``<pause>``/``<exec>`` elements of ``uac.xml``; digits and words are pcaps replayed
from SIPp's media port (``ivr.sipp.pcap`` says why). Values that land inside CDATA (SIP
headers) are checked against strict patterns, because CDATA is sent verbatim and a
CR/LF in a caller number would inject headers; attribute values (file paths) are
escaped by Jinja2's autoescape. Rendering is pure: no file is read.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import jinja2

DTMF_KEYS = "0123456789*#"
# Final INVITE answers the citizen scenario expects instead of 200 (then ACKs).
REJECT_CODES = (403, 404, 408, 480, 486, 487, 488, 500, 503, 603)
AGENT_MODES = ("answer", "busy", "noanswer")

INJECTED_CALLER = "[field0]"  # SIPp's keyword for the injection file's first field
_NUMBER = re.compile(r"[0-9A-Za-z+_.-]{1,32}")
_REF = re.compile(r"[0-9A-Za-z_.:-]{1,64}")

_env = jinja2.Environment(
    loader=jinja2.PackageLoader("ivr", "sipp"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
)


class ScenarioError(ValueError):
    """A requested call cannot be expressed safely as a SIPp scenario."""


@dataclass(frozen=True)
class Wait:
    """Stay silent for a while (e.g. listen to a prompt)."""

    seconds: float


@dataclass(frozen=True)
class Dtmf:
    """Key digits (0-9, #, *) as RFC 2833 events, ``gap`` seconds apart."""

    digits: str
    gap: float = 0.4
    pcaps: tuple[Path, ...] = ()  # one per digit, from ``ivr.sipp.pcap.keypress_pcaps``

    def __post_init__(self) -> None:
        unknown = set(self.digits) - set(DTMF_KEYS)
        if unknown:
            raise ScenarioError(f"cannot key {''.join(sorted(unknown))!r} as DTMF")


@dataclass(frozen=True)
class Say:
    """Speak French text; ``ivr.sipp.voice.speech_audio`` turns it into ``Audio``."""

    text: str


@dataclass(frozen=True)
class Audio:
    """Replay a pcap of µ-law RTP (see ``ivr.sipp.pcap``) lasting ``seconds``."""

    pcap: Path
    seconds: float


Step = Wait | Dtmf | Say | Audio


def _token(value: str, pattern: re.Pattern[str], what: str) -> str:
    if not pattern.fullmatch(value):
        raise ScenarioError(f"{what} {value!r} is not allowed in a SIP header")
    return value


def sip_number(value: str) -> str:
    """``value`` when it may stand as a number in a SIP header (else ScenarioError)."""
    return _token(value, _NUMBER, "caller")


def _ms(seconds: float) -> int:
    if seconds < 0:
        raise ScenarioError(f"negative duration {seconds}")
    return round(seconds * 1000)


def _dtmf_items(step: Dtmf) -> list[dict[str, object]]:
    if len(step.pcaps) != len(step.digits):
        raise ScenarioError(f"resolve {step!r} to key-press pcaps before rendering")
    gap = max(_ms(step.gap), 250)  # a key press lasts 200 ms: let it end first
    return [{"kind": "dtmf", "pcap": str(pcap), "ms": gap, "digit": digit}
            for pcap, digit in zip(step.pcaps, step.digits, strict=True)]


def _audio_item(step: Audio) -> dict[str, object]:
    # SIPp replays in the background: pause for the audio, plus a little slack.
    return {"kind": "audio", "pcap": str(step.pcap), "ms": _ms(step.seconds) + 200}


def step_items(steps: Sequence[Step]) -> list[dict[str, object]]:
    """Flatten steps into the template's items (one per SIPp element pair)."""
    items: list[dict[str, object]] = []
    for step in steps:
        if isinstance(step, Wait):
            items.append({"kind": "wait", "ms": _ms(step.seconds)})
        elif isinstance(step, Dtmf):
            items.extend(_dtmf_items(step))
        elif isinstance(step, Audio):
            items.append(_audio_item(step))
        else:
            raise ScenarioError(f"resolve {step!r} to Audio before rendering")
    return items


def render_uac(*, caller: str, called: str, ref: str, steps: Sequence[Step] = (),
               hold_seconds: float = 8.0, listen_port: int | None = None,
               numbered: bool = False, injected_caller: bool = False) -> str:
    """Render the citizen scenario; ``numbered`` appends ``-<call number>`` to the ref.

    ``listen_port`` is the RTP port advertised in the SDP (the simulator's own
    socket); without it, SIPp's media port is advertised. ``injected_caller`` takes
    each call's number from the first field of SIPp's injection file (``-inf``, see
    ``SippProcess``) instead of ``caller``. Each key press is logged as
    ``keyed=<ref>:<digit>``.
    """
    return _env.get_template("uac.xml").render(
        caller=INJECTED_CALLER if injected_caller else sip_number(caller),
        called=_token(called, _NUMBER, "called number"),
        ref=_token(ref, _REF, "ref"),
        steps=step_items(steps),
        hold_ms=_ms(hold_seconds),
        listen_port=int(listen_port) if listen_port else None,
        numbered=numbered,
        reject_codes=REJECT_CODES,
    )


def render_uas(mode: str = "answer", *, ring_seconds: float = 0,
               max_seconds: float = 300, listen_port: int | None = None) -> str:
    """Render the agent/callee scenario (answer, busy or never answer)."""
    if mode not in AGENT_MODES:
        raise ScenarioError(f"agent mode {mode!r} not in {AGENT_MODES}")
    return _env.get_template("uas.xml").render(
        mode=mode, ring_ms=_ms(ring_seconds), max_ms=_ms(max_seconds),
        listen_port=int(listen_port) if listen_port else None)
