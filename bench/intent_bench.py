"""Intent matcher throughput and accuracy, through the real ``route --batch`` command.

Sizing question: can one core keep up with the speech step of every caller (it must,
by orders of magnitude), and how accurate are the shipped rules today, also when about
one word in four is misrecognised (a seeded corruption of the held-out set: dropped,
misspelt, split or merged words)? Runs the CLI as a subprocess, so process start-up
and rule loading are included in the wall time.

    .venv/bin/python -m bench.intent_bench [--rules routing_rules.yaml] [--repeat 20]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.machine import describe
from ivr.package_data import DEFAULT_RULES

REPO = Path(__file__).resolve().parents[1]
SETS = ("utterances_dev.tsv", "utterances_heldout.tsv")


def read_set(name: str) -> list[tuple[str, str]]:
    """``target<TAB>utterance`` rows."""
    lines = (REPO / "tests" / "data" / name).read_text(encoding="utf-8").splitlines()
    return [(gold, text) for gold, text in (line.split("\t") for line in lines if line)]


def route_batch(rules: Path, texts: list[str]) -> tuple[list[dict[str, object]], float]:
    """Run ``townhall-ivr route --batch`` on the texts; its answers and wall seconds."""
    command = shutil.which("townhall-ivr", path=str(Path(sys.executable).parent))
    argv = [command] if command else [sys.executable, "-m", "ivr.cli"]
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".txt") as handle:
        handle.write("\n".join(texts) + "\n")
        handle.flush()
        started = time.perf_counter()
        done = subprocess.run(
            [*argv, "route", "--rules", str(rules), "--batch", handle.name],
            check=True, capture_output=True, text=True,
        )
        elapsed = time.perf_counter() - started
    return [json.loads(line) for line in done.stdout.splitlines()], elapsed


def bench_set(rules: Path, name: str, repeat: int) -> None:
    """Print accuracy (one pass) and throughput (``repeat`` passes in one process)."""
    rows = read_set(name)
    answers, _ = route_batch(rules, [text for _, text in rows])
    correct = sum(answer["target"] == gold for (gold, _), answer in zip(rows, answers, strict=True))
    routed = sum(answer["decision"] == "route" for answer in answers)
    _, elapsed = route_batch(rules, [text for _, text in rows] * repeat)
    count = len(rows) * repeat
    print(f"{name}: {len(rows)} utterances, top-1 {correct / len(rows):.1%}, "
          f"decided 'route' {routed / len(rows):.1%}; "
          f"{count} in {elapsed:.2f} s = {count / elapsed:,.0f} utterances/s (start-up included)")


def corrupt(text: str, rng: random.Random, rate: float = 0.25) -> str:
    """Damage about ``rate`` of the words the way a recogniser does."""
    words = text.split()
    out: list[str] = []
    for word in words:
        slip = rng.choice(("drop", "misspell", "split", "merge")) if rng.random() < rate else ""
        if slip == "drop" or (slip == "merge" and out):
            if slip == "merge":
                out[-1] += word
            continue
        if slip == "misspell" and len(word) > 2:
            at = rng.randrange(len(word))
            word = word[:at] + rng.choice("aeioulnrst") + word[at + 1 :]
        if slip == "split" and len(word) > 5:
            out.append(word[: len(word) // 2])
            word = word[len(word) // 2 :]
        out.append(word)
    return " ".join(out)


def bench_noisy(rules: Path, name: str, seeds: int = 5) -> None:
    """Top-1 accuracy on ``seeds`` corrupted copies of a set."""
    rows = [(gold, corrupt(text, random.Random(seed))) for seed in range(seeds)
            for gold, text in read_set(name)]
    answers, _ = route_batch(rules, [text for _, text in rows])
    correct = sum(answer["target"] == gold for (gold, _), answer in zip(rows, answers, strict=True))
    print(f"{name} with ~1 word in 4 damaged ({seeds} seeds): top-1 {correct / len(rows):.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=Path, default=DEFAULT_RULES)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    print(describe("intent matcher bench"))
    for name in SETS:
        bench_set(args.rules, name, args.repeat)
    bench_noisy(args.rules, SETS[1])


if __name__ == "__main__":
    main()
