"""Loopback ports for private stacks, safe when several test workers start stacks at once.

Single ports (SIP, ARI, AMI, agent phones) come from the kernel (bind to port 0): it
hands out each free ephemeral port once in turn, so parallel workers do not collide.
Asterisk's RTP ranges cannot come from the kernel (it wants a range, not a port), so
they are cut from a band below Linux's ephemeral range (32768 and up), where no
port-0 socket ever lands: each process takes its own slots of the band in turn, by its
pytest-xdist worker number. A range shared with another test session only costs a few
skipped ports: Asterisk moves on to the next port when one is taken.
"""

from __future__ import annotations

import itertools
import os
import re
import socket

RTP_BAND = (10000, 30000)
SLOTS_PER_WORKER = 8
_next_slot = itertools.count()


def free_port(kind: socket.SocketKind = socket.SOCK_STREAM) -> int:
    """A port the kernel just handed out on 127.0.0.1 (TCP by default)."""
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def worker_number() -> int:
    """This pytest-xdist worker's number (``gw3`` → 3); 0 outside xdist."""
    match = re.fullmatch(r"gw(\d+)", os.environ.get("PYTEST_XDIST_WORKER", ""))
    return int(match[1]) if match else 0


def rtp_range(size: int = 200) -> tuple[int, int]:
    """An even-based UDP range of ``size`` ports for one Asterisk instance."""
    low, high = RTP_BAND
    slots = (high - low) // size
    slot = (worker_number() * SLOTS_PER_WORKER + next(_next_slot) % SLOTS_PER_WORKER) % slots
    start = low + slot * size
    return start, start + size
