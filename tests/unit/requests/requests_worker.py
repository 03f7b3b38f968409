"""A process creating requests for the concurrency test: ``python requests_worker.py …``.

Its random generator draws from 3,000 values only, so the two processes collide on
references often and the insert-and-retry path is really taken. It prints the
references it created, one a line.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

from requests_helpers import RULES, T0

from ivr.store.db import Store
from ivr.store.requests import create_request


class FewValues(random.Random):
    """References from a small pool: collisions are the point."""

    def randrange(self, *_args: object, **_kwargs: object) -> int:  # type: ignore[override]
        return super().randrange(3000)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("count", type=int)
    parser.add_argument("seed", type=int)
    parser.add_argument("--go", type=Path, help="wait for this file before starting")
    args = parser.parse_args()
    while args.go and not args.go.exists():
        time.sleep(0.01)
    store = Store(args.url)
    rng = FewValues(args.seed)
    for _ in range(args.count):
        view = create_request(store, RULES, type_id="reclamation", at=T0, actor="worker", rng=rng)
        sys.stdout.write(view.reference + "\n")
    store.dispose()


if __name__ == "__main__":
    main()
