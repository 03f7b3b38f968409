"""The citizen-call simulator: real SIP calls into the stack, driven by SIPp.

A citizen is a SIPp UAC rendered per call from ``ivr/sipp/uac.xml``: it dials, keys
digits, speaks French (espeak-ng) and hangs up, or is hung up on. What it hears is
received by our own RTP socket (``ivr.sipp.rtp``). Agents and callback callees are
SIPp UAS phones (``AgentPhone``). ``townhall-ivr call`` is the operator's version.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from ivr.settings import Settings
from ivr.sipp.pcap import keypress_pcaps
from ivr.sipp.process import SippProcess, SippStats, local_ip_towards
from ivr.sipp.rtp import HeardAudio, RtpListener
from ivr.sipp.scenario import (
    Dtmf,
    Say,
    Step,
    Wait,
    render_uac,
    render_uas,
    sip_number,
)
from ivr.sipp.voice import speech_audio

log = logging.getLogger(__name__)

FIRST_WAIT = 1.0  # seconds of greeting heard before the first key or word


@dataclass(frozen=True)
class CallResult:
    """What happened to one simulated call."""

    ref: str
    answered: bool
    sip_status: int | None
    hangup: str | None  # "caller" (we sent BYE) or "remote" (we received it)
    rtp_packets_heard: int
    heard_seconds: float  # seconds of non-silent audio received
    duration: float
    sipp_exit: int | None
    error: str = ""


@dataclass(frozen=True)
class LoadResult:
    """Outcome of a batch of concurrent calls (for the load benchmark)."""

    attempted: int
    completed: int
    failed: int
    sipp_exit: int | None
    stats: SippStats | None
    error: str = ""
    keyed: tuple[str, ...] = ()  # ``<ref>:<digit>`` per key press, in order


def default_steps(dtmf: str = "", say: str | None = None) -> list[Step]:
    """A greeting heard, then the digits, then the words."""
    steps: list[Step] = [Wait(FIRST_WAIT)]
    if dtmf:
        steps.append(Dtmf(dtmf))
    if say:
        steps.append(Say(say))
    return steps


def default_cache_dir(settings: Settings) -> Path:
    """Where the simulator keeps its rendered speech and key presses."""
    return settings.home / "cache" / "simulator"


def resolve_steps(steps: list[Step], cache_dir: Path | None = None) -> list[Step]:
    """Turn each ``Say`` into the ``Audio`` of its French rendering and give each key
    press of the call its own RFC 4733 pcap (``ivr.sipp.pcap.keypress_pcaps``).

    Renderings are cached under ``cache_dir`` (default ``$TOWNHALL_HOME/cache/simulator``).
    """
    cache = cache_dir or default_cache_dir(Settings.from_env())
    resolved: list[Step] = []
    presses = 0
    for step in steps:
        if isinstance(step, Say):
            resolved.append(speech_audio(step.text, cache / "say"))
        elif isinstance(step, Dtmf):
            pcaps = keypress_pcaps(step.digits, cache / "dtmf", presses)
            resolved.append(replace(step, pcaps=tuple(pcaps)))
            presses += len(step.digits)
        else:
            resolved.append(step)
    return resolved


def _outcome(lines: list[str]) -> tuple[int | None, str | None]:
    """SIP status and who hung up, from the scenario's log lines."""
    status = next((int(line.split("=", 1)[1]) for line in lines
                   if line.startswith("status=")), None)
    hangup = ("remote" if "remote_bye" in lines else
              "caller" if "local_bye" in lines else None)
    return status, hangup


def place_call(host: str, port: int, *, dtmf: str = "", say: str | None = None,
               caller: str = "0612345678", called: str = "3000",
               hold_seconds: float = 8.0, steps: list[Step] | None = None,
               timeout: float = 60, record: Path | None = None,
               ref: str | None = None, cache_dir: Path | None = None) -> CallResult:
    """Place one citizen call and report it; blocks until the call ends.

    ``steps`` replaces the default (greeting, ``dtmf``, ``say``); the caller hangs
    up ``hold_seconds`` after the last step unless the far end hangs up first.
    """
    if steps is not None and (dtmf or say):
        raise ValueError("give either steps or dtmf/say, not both")
    ref = ref or str(uuid.uuid4())
    plan = resolve_steps(steps if steps is not None else default_steps(dtmf, say), cache_dir)
    local_ip = local_ip_towards(host)
    with RtpListener(local_ip, record=record) as ears:
        scenario = render_uac(caller=caller, called=called, ref=ref, steps=plan,
                              hold_seconds=hold_seconds, listen_port=ears.port)
        sipp = SippProcess(scenario, local_ip=local_ip, lifetime=timeout)
        started = time.monotonic()
        sipp.start(remote=f"{host}:{port}", calls=1)
        code = sipp.wait(timeout + 5)
        duration = time.monotonic() - started
    heard = ears.heard()
    status, hangup = _outcome(sipp.log_lines())
    error = "" if code == 0 else sipp.errors() or f"sipp exit {code}"
    sipp.cleanup()
    result = CallResult(ref, status == 200, status, hangup, heard.packets,
                        heard.voiced_seconds, round(duration, 3), code, error)
    log.info("simulated call ended",
             extra={k: v for k, v in asdict(result).items() if k != "error"})
    return result


def start_call(host: str, port: int, **options: Any) -> Future[CallResult]:
    """Place a call on its own thread; several may run at once (see ``place_call``)."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="citizen")
    future = pool.submit(place_call, host, port, **options)
    pool.shutdown(wait=False)
    return future


def run_load(host: str, port: int, *, calls: int, concurrent: int, rate: float,
             hold_seconds: float = 8.0, dtmf: str = "", caller: str = "0612345678",
             called: str = "3000", timeout: float = 300,
             ref_prefix: str | None = None, cache_dir: Path | None = None,
             steps: list[Step] | None = None, callers: Sequence[str] = ()) -> LoadResult:
    """Run ``calls`` calls, at most ``concurrent`` at once, started at ``rate``/s.

    Refs are ``<ref_prefix>-<n>``. ``steps`` replaces the default (greeting, ``dtmf``);
    ``callers`` gives each call its own number, in order (else all call as ``caller``).
    Audio is left to SIPp's media port (not measured).
    """
    if steps is not None and dtmf:
        raise ValueError("give either steps or dtmf, not both")
    for number in callers:
        sip_number(number)  # written verbatim into SIP headers: refuse anything else
    plan = resolve_steps(steps if steps is not None else default_steps(dtmf), cache_dir)
    scenario = render_uac(caller=caller, called=called, ref=ref_prefix or uuid.uuid4().hex,
                          steps=plan, hold_seconds=hold_seconds, numbered=True,
                          injected_caller=bool(callers))
    sipp = SippProcess(scenario, local_ip=local_ip_towards(host), lifetime=timeout,
                       injection=callers)
    sipp.start(remote=f"{host}:{port}", calls=calls, limit=concurrent, rate=rate)
    code = sipp.wait(timeout + 10)
    stats = sipp.stats()
    keyed = tuple(line.removeprefix("keyed=") for line in sipp.log_lines()
                  if line.startswith("keyed="))
    error = "" if code == 0 else sipp.errors()
    sipp.cleanup()
    if stats is None:
        return LoadResult(calls, 0, calls, code, None, error or "no statistics", keyed)
    return LoadResult(stats.created, stats.successful, stats.failed, code, stats, error, keyed)


class AgentPhone:
    """A SIPp UAS standing for an agent's phone or a callback callee.

    ``mode``: "answer" (after ``ring_seconds``; keeps the call until the far end
    hangs up or ``max_seconds``), "busy" (486) or "noanswer" (rings, 480 after
    ``max_seconds``). With ``listen=True`` its SDP points at an ``RtpListener``, so
    ``heard()`` tells what callers sent (packets, voiced seconds, RFC 2833 digits).
    """

    def __init__(self, port: int = 0, mode: str = "answer", ring_seconds: float = 0, *,
                 host: str = "127.0.0.1", max_seconds: float = 300,
                 listen: bool = False, lifetime: float = 3600) -> None:
        self.host = host
        self._ears = RtpListener(host) if listen else None
        scenario = render_uas(mode, ring_seconds=ring_seconds, max_seconds=max_seconds,
                              listen_port=self._ears.port if self._ears else None)
        self._sipp = SippProcess(scenario, local_ip=host, sip_port=port or None,
                                 lifetime=lifetime)
        self.port = self._sipp.sip_port

    def __enter__(self) -> AgentPhone:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> AgentPhone:
        if self._ears is not None:
            self._ears.__enter__()
        self._sipp.start()
        self._sipp.ready()
        log.info("agent phone up", extra={"port": self.port})
        return self

    def stop(self) -> None:
        """Stop the phone (calls in progress are ended) and its listener."""
        self._sipp.stop()
        if self._ears is not None:
            self._ears.stop()
        self._sipp.cleanup()

    def _count(self, word: str) -> int:
        return sum(1 for line in self._sipp.log_lines() if line == word)

    @property
    def calls_received(self) -> int:
        return self._count("invite")

    @property
    def calls_answered(self) -> int:
        return self._count("answered")

    @property
    def calls_cancelled(self) -> int:
        """Calls the far end gave up on while this phone rang."""
        return self._count("cancelled")

    def heard(self) -> HeardAudio:
        """What callers sent to this phone (requires ``listen=True``)."""
        if self._ears is None:
            raise RuntimeError("AgentPhone(listen=True) to hear callers")
        return self._ears.heard()


CONTACT_FIELDS = ("id", "target", "routed_by", "menu_path", "outcome")


def lookup_contact(db_url: str, ref: str, wait: float = 5.0) -> dict[str, Any] | None:
    """The stored contact of a call, polled while the writer flushes it.

    None when the store is not installed, not reachable, or has no such contact.
    """
    try:
        from sqlalchemy.exc import SQLAlchemyError

        from ivr.store.db import Store
        from ivr.store.queries import contact_by_ref
    except ImportError:
        return None
    store = Store(db_url)
    deadline = time.monotonic() + wait
    found: dict[str, Any] | None = None
    try:
        while found is None or found["outcome"] is None:
            with store.session() as session:
                contact = contact_by_ref(session, ref)
                if contact is not None:
                    found = {name: getattr(contact, name) for name in CONTACT_FIELDS}
            if time.monotonic() > deadline:
                break
            time.sleep(0.5)
    except SQLAlchemyError as exc:
        log.info("store not readable", extra={"error": str(exc).splitlines()[0]})
    finally:
        store.dispose()
    return found


def describe(result: CallResult, contact: dict[str, Any] | None) -> list[str]:
    """Plain English lines for the operator."""
    status = result.sip_status or "no final answer"
    lines = [f"ref: {result.ref}",
             f"answered: {'yes' if result.answered else 'no'} (SIP {status})",
             f"heard: {result.heard_seconds:.1f} s of audio "
             f"({result.rtp_packets_heard} RTP packets)",
             f"hung up by: {result.hangup or 'nobody (call not established)'}",
             f"duration: {result.duration:.1f} s"]
    if contact is not None:
        facts = " ".join(f"{k}={contact[k]}" for k in CONTACT_FIELDS[1:])
        lines.append(f"contact #{contact['id']}: {facts}")
    if result.error:
        lines.append(f"error: {result.error}")
    return lines
