"""Load benchmark: N simultaneous citizen calls through the IVR, and the same load
through the native dialplan menu on the same Asterisk, for the cost ratio.

Run it as ``townhall-ivr bench calls --concurrent 200 --duration 20`` (``make bench``).
A wave is one SIPp run: each caller hears the welcome, keys its digits (``4`` on both
paths unless ``--keys`` says otherwise; the native menu only has the main menu's
departments), is queued and answered by a SIPp agent, and hangs up ``duration`` seconds after the
200 OK. Time to answer is INVITE → 200 OK; time to first prompt is 200 OK → first RTP
packet from the port that 200 OK announced (``bench.probe``). CPU is read from
``/proc`` for Asterisk and for the IVR process only, so SIPp and this process do not
count. The tracked figure is (Asterisk + IVR) CPU per call over native CPU per call.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path

from bench.endings import Endings, QueueLogTail, read_endings, unfinished
from bench.native import NATIVE_NUMBER
from bench.probe import FirstRtp, ProcessMeter, percentiles, read_message_trace
from bench.stack import NATIVE_KEY, BenchStack
from ivr.simulate import default_cache_dir, default_steps, resolve_steps
from ivr.sipp.process import SippProcess, SippStats
from ivr.sipp.scenario import render_uac, step_items
from townhall_support.wait import eventually

# Both paths key NATIVE_KEY (police municipale, a department the bench's rules put on the
# main menu) by default: the same menu choice through the same SIPp scenario. ``--keys
# 11`` sends the IVR callers through a sub-menu, which the native menu does not have.
IVR_NUMBER, SAME_KEY = "3000", NATIVE_KEY
SENTENCE = "je voudrais parler à la police municipale"  # what speech callers say
PROMPT_TARGET_MS = 300.0  # the bound on the time to first prompt, p95
CALLER = "0612345678"


@dataclass(frozen=True)
class Wave:
    """One batch of calls: who is dialled, what is keyed, how many, how long."""

    label: str
    called: str
    dtmf: str
    concurrent: int
    calls: int
    duration: float  # seconds from the 200 OK to the caller's hang-up
    rate: float  # new calls per second
    say: str | None = None  # French words spoken after the keys (speech scenario)

    @property
    def lifetime(self) -> float:
        """A bound on the whole run: ramp-up, calls, and a minute of slack."""
        return self.calls / self.rate + self.duration + 60


@dataclass
class WaveResult:
    """Figures of one wave, all measured in that run."""

    wave: Wave
    attempted: int
    completed: int
    failed: int
    answer_ms: dict[int, float]
    first_prompt_ms: dict[int, float]
    silent: int  # answered calls on which no RTP was heard
    sipp_failed: int  # calls SIPp saw fail; ``failed`` also counts calls cut at the bound
    cpu: dict[str, float]
    peak_rss: dict[str, int]
    contacts: int | None = None  # IVR waves only: contacts stored with this wave's refs
    distinct_refs: int | None = None
    routes: dict[str, int] = field(default_factory=dict)  # IVR waves: how calls were routed
    errors: str = ""
    extra: dict[str, float] = field(default_factory=dict)  # fault scenarios' own figures
    endings: Endings | None = None  # how every call ended (both paths, from queue_log)


class TracingSipp(SippProcess):
    """SIPp that also writes every SIP message with its time (``-trace_msg``)."""

    @property
    def message_log(self) -> Path:
        return self.workdir / "messages.log"

    def argv(self, **options: object) -> list[str]:
        return [*super().argv(**options),  # type: ignore[arg-type]
                "-trace_msg", "-message_file", str(self.message_log)]


def ivr_wave(concurrent: int, duration: float, calls: int | None = None,
             rate: float | None = None, keys: str = SAME_KEY) -> Wave:
    """Citizens calling the town hall number and keying ``keys``."""
    return Wave("ivr", IVR_NUMBER, keys, concurrent, calls or concurrent, duration,
                rate or default_rate(concurrent))


def speech_wave(like: Wave, sentence: str = SENTENCE) -> Wave:
    """The same calls, spoken instead of keyed."""
    return replace(like, label="ivr-speech", dtmf="", say=sentence)


def native_wave(like: Wave) -> Wave:
    """The same load on the native dialplan menu."""
    return Wave("native", NATIVE_NUMBER, SAME_KEY, like.concurrent, like.calls,
                like.duration, like.rate)


def default_rate(concurrent: int) -> float:
    """Start all calls within about eight seconds (at least 10 calls/s)."""
    return max(10.0, concurrent / 8)


def _timings(sipp: TracingSipp, ears: FirstRtp) -> tuple[list[float], list[float], int]:
    """(answer ms, first prompt ms, answered calls without any RTP) from the traces."""
    answer, prompt, silent = [], [], 0
    for call in read_message_trace(sipp.message_log).values():
        if call.invite_sent is None or call.answered is None:
            continue
        answer.append((call.answered - call.invite_sent) * 1000)
        # from the INVITE on: the welcome follows the answer so closely that its first
        # packets can reach us before SIPp's trace stamps the 200 OK (a busy SIPp)
        heard = ears.first_after(call.media_port, call.invite_sent) if call.media_port else None
        if heard is None:
            silent += 1
        else:
            prompt.append(max(0.0, heard - call.answered) * 1000)
    return answer, prompt, silent


def run_wave(stack: BenchStack, wave: Wave) -> WaveResult:
    """Place the wave's calls and measure them; blocks until SIPp ends."""
    ref = f"bench-{uuid.uuid4().hex[:10]}"
    steps = resolve_steps(default_steps(wave.dtmf, wave.say), default_cache_dir(stack.settings))
    before_answer = sum(int(item["ms"]) for item in step_items(steps)) / 1000  # type: ignore[call-overload]
    with FirstRtp() as ears:
        scenario = render_uac(caller=CALLER, called=wave.called, ref=ref, steps=steps,
                              hold_seconds=max(1.0, wave.duration - before_answer),
                              listen_port=ears.port, numbered=True)
        sipp = TracingSipp(scenario, local_ip="127.0.0.1", lifetime=wave.lifetime)
        meter = ProcessMeter(stack.meters())
        queue_log = QueueLogTail(stack.queue_log)
        with meter:
            sipp.start(remote=f"127.0.0.1:{stack.settings.sip_port}", calls=wave.calls,
                       limit=wave.concurrent, rate=wave.rate)
            code = sipp.wait(wave.lifetime + 30)
            stats = sipp.stats() or SippStats(wave.calls, 0, wave.calls, 0, 0)
            contacts, distinct = (stack.count_contacts(ref, stats.created)
                                  if wave.called == IVR_NUMBER else (None, None))
            routes = stack.routes(ref) if wave.called == IVR_NUMBER else {}
        # a hang-up's queue event can land just after SIPp's last BYE
        endings = read_endings(eventually(queue_log.lines, 10, 0.2,
                                          until=lambda lines: unfinished(lines) == 0),
                               stats.created)
        answer, prompt, silent = _timings(sipp, ears)
    errors = "" if code == 0 else sipp.errors()
    sipp.cleanup()
    return WaveResult(wave, stats.created, stats.successful, stats.created - stats.successful,
                      percentiles(answer), percentiles(prompt), silent, stats.failed, meter.cpu,
                      meter.peak_rss, contacts, distinct, routes, errors=errors,
                      endings=endings)


def _ms(points: dict[int, float]) -> str:
    return " / ".join(f"{points[p]:.0f}" for p in (50, 95, 99)) if points else "n/a"


def describe_wave(result: WaveResult) -> list[str]:
    """Plain lines for one wave."""
    w = result.wave
    lines = [
        f"[{w.label}] {w.calls} calls to {w.called!r} "
        f"{f'saying {w.say!r}' if w.say else f'keying {w.dtmf!r}'}, "
        f"{w.concurrent} at once, {w.duration:g} s each, {w.rate:g} calls/s",
        f"  calls: attempted {result.attempted}, completed {result.completed}, "
        f"failed {result.failed} (SIPp: {result.sipp_failed} failed, the rest unfinished "
        "when the run's time bound was reached)",
        f"  time to answer ms p50/p95/p99: {_ms(result.answer_ms)}",
        f"  time to first prompt ms p50/p95/p99: {_ms(result.first_prompt_ms)}"
        f"  (answered calls with no audio: {result.silent})",
        "  CPU s: " + ", ".join(f"{n} {s:.2f} ({s / max(1, result.attempted) * 1000:.1f} ms/call)"
                                for n, s in result.cpu.items()),
        "  peak RSS MB: " + ", ".join(f"{n} {b / 2**20:.0f}" for n, b in result.peak_rss.items()),
    ]
    if result.contacts is not None:
        lines.append(f"  contacts recorded: {result.contacts} for {result.attempted} calls "
                     f"placed (missing {result.attempted - result.contacts}, duplicates "
                     f"{result.contacts - (result.distinct_refs or 0)})")
    if result.routes:
        lines.append("  routed (by → target: outcome): " + ", ".join(
            f"{route} ×{n}" for route, n in sorted(result.routes.items(), key=lambda r: -r[1])))
    if result.endings is not None:
        lines.append(result.endings.describe())
    lines += [f"  {name}: {value:.2f}" for name, value in result.extra.items()]
    if result.errors:
        lines.append("  sipp errors: " + result.errors.splitlines()[-1][:200])
    return lines


def cpu_ratio(ivr: list[WaveResult], native: list[WaveResult]) -> float:
    """(Asterisk + every IVR process) CPU per call of the IVR waves over Asterisk CPU
    per call of the native waves, each pooled over all its waves' calls."""
    def per_call(results: list[WaveResult], names: tuple[str, ...]) -> float:
        return sum(sum(r.cpu[n] for n in names) for r in results) / max(
            1, sum(r.attempted for r in results))
    measured = tuple(name for name in (ivr[0].cpu if ivr else {}) if name.startswith("ivr"))
    return per_call(ivr, ("asterisk", *measured)) / max(1e-9, per_call(native, ("asterisk",)))


def healthy(result: WaveResult) -> bool:
    """No failed call, and (IVR) every call recorded once."""
    missing = result.contacts is not None and result.contacts < result.attempted
    return result.failed == 0 and result.attempted > 0 and not missing


def ramp(stack: BenchStack, levels: list[int], duration: float,
         keys: str = SAME_KEY) -> list[str]:
    """Both paths at rising concurrency, with two knees per path.

    The failure knee is the first level that is not healthy (a path stops climbing
    there, so the ramp stays bounded in time); the latency knee is the first level whose
    first prompt p95 reaches ``PROMPT_TARGET_MS``.
    """
    lines = [f"ramp ({duration:g} s calls): level: ivr failed/missing, first prompt p95, "
             "not with an agent | native failed, first prompt p95, not with an agent | "
             "CPU ratio"]
    knees: dict[str, int | None] = {"ivr": None, "native": None}
    slow: dict[str, int | None] = {"ivr": None, "native": None}
    for level in levels:
        ivr = ivr_wave(level, duration, keys=keys)
        row, results = [f"  {level}:"], {}
        for wave in (ivr, native_wave(ivr)):
            if knees[wave.label] is not None:
                row.append("(past knee)")
                continue
            result = results[wave.label] = run_wave(stack, wave)
            missing = "" if result.contacts is None else f"/{result.attempted - result.contacts}"
            p95 = result.first_prompt_ms.get(95)
            away = "" if result.endings is None else f", {result.endings.not_with_agent}"
            row.append(f"{wave.label} {result.failed}{missing}, "
                       f"{'n/a' if p95 is None else f'{p95:.0f} ms'}{away}")
            if not healthy(result):
                knees[wave.label] = level
            if slow[wave.label] is None and (p95 is None or p95 >= PROMPT_TARGET_MS):
                slow[wave.label] = level
        if len(results) == 2:
            row.append(f"{cpu_ratio([results['ivr']], [results['native']]):.2f}x")
        lines.append(" | ".join(row))
    for name, found in (("failure knee", knees), (f"latency knee (p95 >= {PROMPT_TARGET_MS:g} ms)",
                                                  slow)):
        lines.append(f"{name}: " + ", ".join(
            f"{k} {'none up to ' + str(levels[-1]) if v is None else v}" for k, v in found.items()))
    return lines
