"""RTP receiver over a real UDP socket, and the energy voice detector."""

from __future__ import annotations

import array
import asyncio
import math
import socket
import struct
import sys

import pytest

from ivr.telephony.media import RtpReceiver, VoiceActivity, be16_to_le16, rtp_payload


def _free_range(count: int = 20) -> range:
    """A range starting at a port the kernel just proved free."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return range(port, min(port + count, 65536))


def _rtp(seq: int, payload: bytes, csrc: int = 0, ext_words: int = 0, pad: int = 0) -> bytes:
    first = 0x80 | (0x10 if ext_words else 0) | (0x20 if pad else 0) | csrc
    header = struct.pack("!BBHII", first, 118, seq, seq * 320, 0x1234)
    header += b"\x00\x00\x00\x01" * csrc
    if ext_words:
        header += struct.pack("!HH", 0xBEDE, ext_words) + b"\xaa" * 4 * ext_words
    padding = (b"\x00" * (pad - 1) + bytes([pad])) if pad else b""
    return header + payload + padding


def _tone(ms: int, amplitude: int, rate: int = 16000, hz: int = 440) -> bytes:
    count = rate * ms // 1000
    samples = array.array(
        "h", (int(amplitude * math.sin(2 * math.pi * hz * i / rate)) for i in range(count))
    )
    return samples.tobytes()  # native (little-endian here) order


def test_payload_parsing_skips_csrc_extension_and_padding() -> None:
    body = bytes(range(8))
    assert rtp_payload(_rtp(1, body)) == body
    assert rtp_payload(_rtp(1, body, csrc=2, ext_words=3, pad=4)) == body
    assert rtp_payload(b"\x40" + bytes(20)) is None  # version 1
    assert rtp_payload(b"\x80\x00") is None


def test_byte_order_conversion() -> None:
    assert sys.byteorder == "little"
    big = struct.pack(">3h", 1, -2, 0x1234)
    assert be16_to_le16(big) == struct.pack("<3h", 1, -2, 0x1234)


async def test_receiver_delivers_little_endian_pcm() -> None:
    received: list[bytes] = []
    receiver = RtpReceiver(received.append, _free_range())
    port = await receiver.start()
    assert receiver.external_host == f"127.0.0.1:{port}"
    values = [0, 1, -1, 1000, -32768, 32767] * 53 + [7, 8]  # 320 samples = 20 ms
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        for seq in range(5):
            sender.sendto(_rtp(seq, struct.pack(f">{len(values)}h", *values)), ("127.0.0.1", port))
        sender.sendto(b"not rtp", ("127.0.0.1", port))
        sender.sendto(_rtp(9, b"\x01\x02\x03"), ("127.0.0.1", port))  # odd size
        for _ in range(100):
            if receiver.stats.packets + receiver.stats.dropped >= 7:
                break
            await asyncio.sleep(0.01)
    receiver.close()
    assert (receiver.stats.packets, receiver.stats.dropped) == (5, 2)
    assert receiver.stats.bytes == 5 * 640
    assert all(chunk == struct.pack(f"<{len(values)}h", *values) for chunk in received)


async def test_close_frees_the_port_and_busy_ports_are_skipped() -> None:
    ports = _free_range(2)
    first = RtpReceiver(lambda _: None, ports)
    second = RtpReceiver(lambda _: None, ports)
    taken = {await first.start(), await second.start()}
    assert taken == set(ports)
    third = RtpReceiver(lambda _: None, ports)
    with pytest.raises(OSError, match="no free UDP port"):
        await third.start()
    first.close()
    first.close()
    await asyncio.sleep(0)  # the loop closes the socket on its next turn
    assert await third.start() == first.port
    second.close()
    third.close()


def test_voice_activity_detects_a_tone_burst_not_silence() -> None:
    vad = VoiceActivity()
    silence = bytes(16000 * 2)  # one second
    assert vad.feed(silence) is False and not vad.speaking
    assert vad.feed(_tone(1000, 30)) is False  # -60 dBFS hiss is not speech
    burst = _tone(200, 8000)
    starts = [vad.feed(burst[i : i + 640]) for i in range(0, len(burst), 640)]
    assert starts.index(True) <= 4  # within 100 ms of the burst
    assert vad.speaking
    vad.feed(silence)
    assert not vad.speaking


def test_voice_activity_accepts_odd_chunk_sizes() -> None:
    vad = VoiceActivity()
    burst = _tone(300, 8000)
    started = any(vad.feed(burst[i : i + 333]) for i in range(0, len(burst), 333))
    assert started
