"""The header every benchmark prints: what it ran on, and when."""

from __future__ import annotations

import os
import platform

from ivr.clock import Clock


def describe(title: str) -> str:
    """``title``, the date, and the machine (cores, load, Python) in two lines."""
    load = os.getloadavg()[0]
    return (f"{title} — {Clock().now():%Y-%m-%d %H:%M %Z}\n"
            f"machine: {platform.node()} {platform.machine()} {os.cpu_count()} cores, "
            f"load {load:.2f}, {platform.platform()}, "
            f"{platform.python_implementation()} {platform.python_version()}")
