"""What a simulated phone hears: a UDP socket that receives the RTP sent to it.

The phone's SDP advertises this socket's port instead of SIPp's media port, so the
far end (Asterisk runs with ``rtp_symmetric=no``) sends its audio here. We count
packets, measure how long the audio was not silent, decode RFC 2833 digits and can
keep a WAV of what was heard. µ-law is decoded with a 256-entry table because
``audioop`` is deprecated (and warnings are errors in the tests).
"""

from __future__ import annotations

import logging
import math
import socket
import struct
import threading
import wave
from array import array
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

PT_PCMU = 0
PT_TELEPHONE_EVENT = 101
SAMPLE_RATE = 8000
# RMS (16-bit) below which a 20 ms packet counts as silence (about -44 dBFS).
SILENCE_RMS = 200
EVENT_KEYS = "0123456789*#ABCD"


def _ulaw_to_linear(code: int) -> int:
    """G.711 µ-law expansion of one byte to a 16-bit sample."""
    u = ~code & 0xFF
    magnitude = (((u & 0x0F) << 3) + 0x84) << ((u & 0x70) >> 4)
    return 0x84 - magnitude if u & 0x80 else magnitude - 0x84


ULAW_TABLE = array("h", (_ulaw_to_linear(b) for b in range(256)))


def decode_ulaw(payload: bytes) -> array[int]:
    """Decode µ-law bytes to signed 16-bit samples."""
    return array("h", (ULAW_TABLE[b] for b in payload))


def rtp_payload(packet: bytes) -> tuple[int, int, bytes] | None:
    """Return (payload type, timestamp, payload) of an RTP packet, None if not RTP."""
    if len(packet) < 12 or packet[0] >> 6 != 2:
        return None
    header = 12 + 4 * (packet[0] & 0x0F)
    if packet[0] & 0x10 and len(packet) >= header + 4:  # header extension
        header += 4 + 4 * struct.unpack_from("!H", packet, header + 2)[0]
    timestamp = struct.unpack_from("!I", packet, 4)[0]
    return packet[1] & 0x7F, timestamp, packet[header:]


@dataclass(frozen=True)
class HeardAudio:
    """Summary of the RTP received by one listener."""

    packets: int
    seconds: float
    voiced_seconds: float
    digits: str


class RtpListener:
    """Receive RTP on a background thread until stopped."""

    def __init__(self, host: str = "127.0.0.1", *, record: Path | None = None) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind((host, 0))
        self._sock.settimeout(0.2)
        self._record = record
        self._pcm = array("h")
        self._packets = 0
        self._samples = 0
        self._voiced_samples = 0
        self._events: dict[int, int] = {}  # RTP timestamp → key (dedups end packets)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rtp-listener", daemon=True)

    @property
    def port(self) -> int:
        return int(self._sock.getsockname()[1])

    def __enter__(self) -> RtpListener:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                packet = self._sock.recv(2048)
            except TimeoutError:
                continue
            self._take(packet)

    def _take(self, packet: bytes) -> None:
        parsed = rtp_payload(packet)
        if parsed is None:
            return
        kind, timestamp, payload = parsed
        self._packets += 1
        if kind == PT_PCMU:
            samples = decode_ulaw(payload)
            self._samples += len(samples)
            if samples and math.sqrt(sum(s * s for s in samples) / len(samples)) > SILENCE_RMS:
                self._voiced_samples += len(samples)
            if self._record is not None:
                self._pcm.extend(samples)
        elif kind == PT_TELEPHONE_EVENT and len(payload) >= 4 and payload[1] & 0x80:
            self._events.setdefault(timestamp, payload[0])

    def stop(self) -> HeardAudio:
        """Stop listening, write the recording if asked, and summarise."""
        if not self._stop.is_set():
            self._stop.set()
            if self._thread.is_alive():
                self._thread.join()
            self._sock.close()
            if self._record is not None:
                self._write_wav(self._record)
        return self.heard()

    def heard(self) -> HeardAudio:
        """The summary so far (callable while listening)."""
        digits = "".join(EVENT_KEYS[e] for _, e in sorted(self._events.items())
                         if e < len(EVENT_KEYS))
        return HeardAudio(self._packets, self._samples / SAMPLE_RATE,
                          self._voiced_samples / SAMPLE_RATE, digits)

    def _write_wav(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with wave.open(str(path), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(SAMPLE_RATE)
            out.writeframes(self._pcm.tobytes())
        log.info("heard audio saved", extra={"path": str(path), "samples": len(self._pcm)})
