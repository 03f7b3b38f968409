"""``townhall-ivr bench calls``: one private stack, the chosen scenario, a report."""

from __future__ import annotations

from collections.abc import Callable

from bench import faults
from bench.load import (
    Wave,
    WaveResult,
    cpu_ratio,
    describe_wave,
    ivr_wave,
    native_wave,
    ramp,
    run_wave,
)
from bench.machine import describe
from bench.stack import bench_stack

FAULTS: dict[str, Callable[..., WaveResult]] = {
    "kill-app": faults.kill_app,
    "restart-asterisk": faults.restart_asterisk,
    "flood": faults.flood,
}
# Targets of the issue « Under load and under faults ».
TARGET_RATIO, TARGET_PROMPT_P95_MS = 1.5, 300.0


def verdict(ivr: WaveResult, native: WaveResult) -> list[str]:
    """Where the run stands against the issue's targets."""
    ratio = cpu_ratio(ivr, native)
    p95 = ivr.first_prompt_ms.get(95)
    missing = ivr.attempted - (ivr.contacts or 0)
    return [
        f"CPU per call, IVR (Asterisk + app) / native (Asterisk): {ratio:.2f}x "
        f"(target <= {TARGET_RATIO}x)",
        f"targets at {ivr.wave.concurrent} concurrent: failures {ivr.failed} (0), missing "
        f"contacts {missing} (0), first prompt p95 "
        f"{'n/a' if p95 is None else f'{p95:.0f} ms'} (< {TARGET_PROMPT_P95_MS:.0f} ms), "
        f"ratio {'met' if ratio <= TARGET_RATIO else 'NOT met'}",
    ]


def run_calls(*, concurrent: int, duration: float, calls: int | None, rate: float | None,
              scenario: str, ramp_levels: list[int], ramp_duration: float,
              agents: int, keys: str) -> list[str]:
    """Start a private stack, run the scenario, and return the report's lines."""
    wave = ivr_wave(concurrent, duration, calls, rate, keys)
    lines = [describe(f"townhall-ivr bench calls --scenario {scenario} --concurrent "
                      f"{concurrent} --duration {duration:g} --keys {keys}")]
    with bench_stack(agents=agents) as stack:
        run_wave(stack, Wave("warm-up", wave.called, wave.dtmf, 2, 2, 3, 2))
        if scenario in FAULTS:
            lines += describe_wave(FAULTS[scenario](stack, wave))
        else:
            ivr = run_wave(stack, wave)
            native = run_wave(stack, native_wave(wave))
            lines += [*describe_wave(ivr), *describe_wave(native), *verdict(ivr, native)]
        if ramp_levels:
            lines += ramp(stack, ramp_levels, ramp_duration, keys)
    return lines
