"""Audio files that come from outside (uploaded recordings): probed before any decoding.

ffmpeg reads far more than audio: an HLS playlist or a concat list renamed ``x.ogg``
makes it open other files (``file:/etc/…``), and a tiny file can declare hours of
silence that decode into gigabytes. So a file is first probed with ffprobe (only the
``file`` protocol, JSON output), accepted only when its container is a plain audio one
of ``ALLOWED_FORMATS`` with audio streams only and a duration within the limit, then
decoded by ffmpeg forced to that same demuxer, still limited to the ``file`` protocol.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

# ffprobe's format_name → the demuxer ffmpeg is then forced to use.
ALLOWED_FORMATS = {
    "wav": "wav",
    "mp3": "mp3",
    "ogg": "ogg",
    "flac": "flac",
    "mov,mp4,m4a,3gp,3g2,mj2": "mov",  # m4a / mp4 audio
}
_TIMEOUT = 30


class AudioRefused(ValueError):
    """The file is not an audio file we decode (message in French, shown to the user)."""


@dataclass(frozen=True)
class Probe:
    demuxer: str
    seconds: float


def probe(path: Path, max_seconds: float) -> Probe:
    """What ffprobe says of ``path``, or AudioRefused before anything is decoded."""
    cmd = ["ffprobe", "-v", "error", "-protocol_whitelist", "file", "-of", "json",
           "-show_entries", "format=format_name,duration:stream=codec_type", str(path)]
    try:
        done = subprocess.run(cmd, capture_output=True, timeout=_TIMEOUT, check=False)
        facts = json.loads(done.stdout or b"{}")
    except (subprocess.TimeoutExpired, json.JSONDecodeError):
        raise AudioRefused("fichier audio illisible") from None
    return check_probe(facts, max_seconds)


def check_probe(facts: dict[str, object], max_seconds: float) -> Probe:
    """The decision on ffprobe's JSON (pure, so every refusal is unit-tested)."""
    fmt = facts.get("format")
    streams = facts.get("streams")
    if not isinstance(fmt, dict) or not isinstance(streams, list) or not streams:
        raise AudioRefused("fichier audio illisible")
    demuxer = ALLOWED_FORMATS.get(str(fmt.get("format_name")))
    if demuxer is None:
        raise AudioRefused("format refusé : envoyez un fichier wav, mp3, ogg, flac ou m4a")
    if any(not isinstance(s, dict) or s.get("codec_type") != "audio" for s in streams):
        raise AudioRefused("le fichier doit contenir du son seulement")
    try:
        seconds = float(str(fmt.get("duration")))
    except ValueError:
        raise AudioRefused("durée du fichier inconnue") from None
    if not 0 < seconds <= max_seconds:
        raise AudioRefused(f"enregistrement trop long (plus de {max_seconds:g} s)")
    return Probe(demuxer, seconds)


def decode_to_wav(path: Path, out: Path, max_seconds: float, rate: int) -> Probe:
    """Probe ``path``, then decode it to mono 16-bit WAV at ``rate`` into ``out``."""
    found = probe(path, max_seconds)
    cmd = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-protocol_whitelist", "file",
           "-f", found.demuxer, "-i", str(path), "-t", f"{max_seconds:g}", "-vn",
           "-ac", "1", "-ar", str(rate), "-sample_fmt", "s16", "-f", "wav", str(out)]
    try:
        done = subprocess.run(cmd, capture_output=True, timeout=_TIMEOUT * 4, check=False)
    except subprocess.TimeoutExpired:
        raise AudioRefused("fichier audio illisible") from None
    if done.returncode != 0:
        out.unlink(missing_ok=True)
        raise AudioRefused("fichier audio illisible")
    return found
