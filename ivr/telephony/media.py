"""Caller audio from Asterisk: an RTP receiver for ExternalMedia and a voice detector.

ARI ``externalMedia`` with ``external_host=127.0.0.1:PORT`` and ``format=slin16`` sends
the bridged caller's audio as RTP to our UDP socket. Asterisk writes signed-linear RTP
payloads in network byte order (``ast_frame_byteswap_be`` in res_rtp_asterisk), while
vosk and audio files want little-endian samples: the receiver hands out little-endian
PCM. Only ``ivr/telephony/`` talks to Asterisk; the speech engine never sees RTP.
"""

from __future__ import annotations

import array
import asyncio
import errno
import logging
import math
import operator
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

RTP_HEADER = 12
RTP_VERSION = 2


def rtp_payload(packet: bytes) -> bytes | None:
    """Return the payload of an RTP packet, or None if it is not RTP version 2.

    Skips the CSRC list and the header extension and removes padding (RFC 3550 §5.1).
    """
    if len(packet) < RTP_HEADER or packet[0] >> 6 != RTP_VERSION:
        return None
    first = packet[0]
    offset = RTP_HEADER + 4 * (first & 0x0F)
    if first & 0x10:  # header extension: 16-bit profile, 16-bit length in words
        if len(packet) < offset + 4:
            return None
        offset += 4 + 4 * int.from_bytes(packet[offset + 2 : offset + 4], "big")
    end = len(packet) - (packet[-1] if first & 0x20 else 0)
    return packet[offset:end] if offset <= end else None


def be16_to_le16(pcm: bytes) -> bytes:
    """Convert big-endian 16-bit samples (RTP slin) to little-endian (vosk, WAV)."""
    samples = array.array("h", pcm)
    if sys.byteorder == "little":
        samples.byteswap()
    return samples.tobytes()


@dataclass
class RtpStats:
    """Counters an operator reads when a caller says "it did not hear me"."""

    packets: int = 0
    bytes: int = 0
    dropped: int = 0


class _RtpProtocol(asyncio.DatagramProtocol):
    def __init__(self, receiver: RtpReceiver) -> None:
        self.receiver = receiver

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.receiver.handle_packet(data)


class RtpReceiver:
    """One UDP socket per call, receiving slin RTP and passing little-endian PCM on.

    ``on_pcm`` is called on the event loop for every packet; keep it cheap (hand the
    bytes to the speech stream, which recognises in a worker thread).
    """

    def __init__(
        self,
        on_pcm: Callable[[bytes], None],
        ports: range,
        host: str = "127.0.0.1",
    ) -> None:
        self.on_pcm = on_pcm
        self.ports = ports
        self.host = host
        self.port: int | None = None
        self.stats = RtpStats()
        self._transport: asyncio.DatagramTransport | None = None

    async def start(self) -> int:
        """Bind the first free port of the range (from a random point) and return it.

        Starting at a random port keeps concurrent calls from racing for the same one.
        """
        loop = asyncio.get_running_loop()
        start = random.randrange(len(self.ports))
        for index in range(len(self.ports)):
            port = self.ports[(start + index) % len(self.ports)]
            try:
                transport, _ = await loop.create_datagram_endpoint(
                    lambda: _RtpProtocol(self), local_addr=(self.host, port)
                )
            except OSError as exc:
                if exc.errno != errno.EADDRINUSE:
                    raise
                continue
            self._transport = transport
            self.port = port
            log.debug("rtp receiver bound", extra={"port": port})
            return port
        raise OSError(errno.EADDRINUSE, f"no free UDP port in {self.ports}")

    @property
    def external_host(self) -> str:
        """The ``external_host`` argument for ARI ``channels/externalMedia``."""
        if self.port is None:
            raise RuntimeError("receiver not started")
        return f"{self.host}:{self.port}"

    def handle_packet(self, packet: bytes) -> None:
        """Strip RTP, fix the byte order, count, and pass the PCM on."""
        payload = rtp_payload(packet)
        if not payload or len(payload) % 2:
            self.stats.dropped += 1  # not RTP, or comfort noise / events of odd size
            return
        self.stats.packets += 1
        self.stats.bytes += len(payload)
        self.on_pcm(be16_to_le16(payload))

    def close(self) -> None:
        """Free the port (idempotent); the socket closes on the loop's next turn."""
        if self._transport is not None:
            self._transport.close()
            self._transport = None
            log.debug(
                "rtp receiver closed",
                extra={"port": self.port, "packets": self.stats.packets,
                       "dropped": self.stats.dropped},
            )


def dbfs(pcm: bytes) -> float:
    """Level of little-endian 16-bit PCM in dB relative to full scale (silence → -120)."""
    samples = array.array("h", pcm)
    if not samples:
        return -120.0
    energy = sum(map(operator.mul, samples, samples)) / len(samples)
    return 10 * math.log10(energy / 32768**2) if energy else -120.0


class VoiceActivity:
    """Energy detector that says quickly when the caller starts talking (barge-in).

    vosk's first partial comes late (hundreds of ms); stopping the prompt on a few
    loud frames feels immediate. The threshold follows the line's noise floor, so a
    noisy line does not trigger it by itself. Feed little-endian PCM of any size.
    """

    def __init__(
        self,
        sample_rate: int = 16000,
        frame_ms: int = 20,
        start_frames: int = 4,
        stop_frames: int = 35,
        min_dbfs: float = -40.0,
        margin_db: float = 12.0,
    ) -> None:
        self.frame_bytes = sample_rate * frame_ms // 1000 * 2
        self.start_frames = start_frames
        self.stop_frames = stop_frames
        self.min_dbfs = min_dbfs
        self.margin_db = margin_db
        self.noise_floor = -70.0
        self.speaking = False
        self._buffer = b""
        self._loud = 0
        self._quiet = 0

    @property
    def threshold(self) -> float:
        return max(self.min_dbfs, self.noise_floor + self.margin_db)

    def feed(self, pcm: bytes) -> bool:
        """Consume PCM; True when speech has just started in it."""
        self._buffer += pcm
        started = False
        while len(self._buffer) >= self.frame_bytes:
            frame, self._buffer = self._buffer[: self.frame_bytes], self._buffer[self.frame_bytes :]
            started |= self._frame(dbfs(frame))
        return started

    def _frame(self, level: float) -> bool:
        if level >= self.threshold:
            self._loud += 1
            self._quiet = 0
        else:
            self._loud = 0
            self._quiet += 1
            # Quiet frames teach the floor slowly (about one second to adapt).
            self.noise_floor += (level - self.noise_floor) * 0.05
        if not self.speaking and self._loud >= self.start_frames:
            self.speaking = True
            return True
        if self.speaking and self._quiet >= self.stop_frames:
            self.speaking = False
        return False
