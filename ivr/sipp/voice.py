"""French speech for the simulated citizen: text → µ-law RTP in a pcap for SIPp.

The text is untrusted (it comes from the command line or a test), so it goes to
espeak-ng on stdin, never through a shell or as an argument that could read as an
option. Renderings are cached by a hash of the text.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import tempfile
import threading
from pathlib import Path

from ivr.sipp.pcap import SAMPLE_RATE, ulaw_to_pcap
from ivr.sipp.scenario import Audio

VOICE = "fr"
TIMEOUT = 60


def speech_file(text: str, cache_dir: Path) -> Path:
    """Return a raw µ-law file of ``text`` spoken in French, rendering it once."""
    key = hashlib.sha256(f"{VOICE}\n{text}".encode()).hexdigest()[:24]
    target = cache_dir / f"{key}.ulaw"
    if target.exists():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache_dir) as tmp:
        wav, ulaw = Path(tmp) / "say.wav", Path(tmp) / "say.ulaw"
        subprocess.run(["espeak-ng", "-v", VOICE, "-b", "1", "-w", str(wav), "--stdin"],
                       input=text.encode(), check=True, capture_output=True, timeout=TIMEOUT)
        subprocess.run(["sox", str(wav), "-r", "8000", "-c", "1", "-t", "ul", str(ulaw)],
                       check=True, capture_output=True, timeout=TIMEOUT)
        os.replace(ulaw, target)  # atomic: concurrent calls may render the same text
    return target


def speech_audio(text: str, cache_dir: Path) -> Audio:
    """The ``Audio`` step speaking ``text`` (a pcap beside the cached µ-law file)."""
    ulaw = speech_file(text, cache_dir)
    pcap = ulaw.with_suffix(".pcap")
    if not pcap.exists():
        partial = pcap.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        ulaw_to_pcap(ulaw.read_bytes(), partial)
        os.replace(partial, pcap)
    return Audio(pcap, ulaw.stat().st_size / SAMPLE_RATE)
