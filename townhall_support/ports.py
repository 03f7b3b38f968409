"""Loopback ports for private stacks, safe when several test workers start stacks at once.

Single ports (SIP, ARI, AMI, agent phones) come from the kernel (bind to port 0): it
hands out each free ephemeral port once in turn, so parallel workers do not collide.
Asterisk's RTP ranges cannot come from the kernel (it wants a range, not a port), so
they are cut from a band below Linux's ephemeral range (32768 and up), where no
port-0 socket ever lands: each pytest-xdist worker owns an equal share of the band and
hands out its ranges one after the other, wrapping round, so ranges of different sizes
never reach into another worker's share (a campaign's 1,000-port range once overlapped
other workers' stacks, whose calls then found no free port). A range shared with
another test session only costs a few skipped ports: Asterisk moves on to the next
port when one is taken.
"""

from __future__ import annotations

import os
import re
import socket

RTP_BAND = (10000, 30000)
_handed_out = [0]  # ports of this worker's share handed out so far


def free_port(kind: socket.SocketKind = socket.SOCK_STREAM) -> int:
    """A port the kernel just handed out on 127.0.0.1 (TCP by default)."""
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def worker_number() -> int:
    """This pytest-xdist worker's number (``gw3`` → 3); 0 outside xdist."""
    match = re.fullmatch(r"gw(\d+)", os.environ.get("PYTEST_XDIST_WORKER", ""))
    return int(match[1]) if match else 0


def worker_count() -> int:
    """How many pytest-xdist workers share the band (1 outside xdist)."""
    return max(1, int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") or 1))


def rtp_range(size: int = 200) -> tuple[int, int]:
    """An even-based UDP range of ``size`` ports for one Asterisk instance, inside this
    worker's share of the band."""
    low, high = RTP_BAND
    share = (high - low) // worker_count() // 2 * 2
    size += size % 2
    if size > share:
        raise ValueError(f"{size} RTP ports asked, a worker's share is {share}")
    offset = _handed_out[0] if _handed_out[0] + size <= share else 0
    _handed_out[0] = offset + size
    start = low + (worker_number() % worker_count()) * share + offset
    return start, start + size
