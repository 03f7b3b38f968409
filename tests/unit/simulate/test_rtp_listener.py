"""The simulated phone's ears: RTP parsing, µ-law decoding, voiced time, digits, WAV."""

from __future__ import annotations

import socket
import struct
import wave
from pathlib import Path

from ivr.sipp.rtp import ULAW_TABLE, RtpListener, decode_ulaw, rtp_payload
from townhall_support.wait import eventually

LOUD = bytes([0x00, 0x80] * 80)  # ±32124: full-scale square wave, 160 samples
SILENT = b"\xff" * 160


def _rtp(pt: int, seq: int, ts: int, payload: bytes) -> bytes:
    return struct.pack("!BBHII", 0x80, pt, seq, ts, 0x1234) + payload


def test_ulaw_table_matches_g711_corners() -> None:
    assert (ULAW_TABLE[0x00], ULAW_TABLE[0x80]) == (-32124, 32124)
    assert ULAW_TABLE[0xFF] == ULAW_TABLE[0x7F] == 0
    assert list(decode_ulaw(b"\x00\xff")) == [-32124, 0]


def test_rtp_payload_skips_csrcs_and_refuses_non_rtp() -> None:
    packet = bytes([0x81, 0x00]) + b"\x00\x01" + struct.pack("!I", 160) + b"\0" * 8 + b"ab"
    assert rtp_payload(packet) == (0, 160, b"ab")
    assert rtp_payload(b"\x00" * 20) is None


def _send_all(port: int, packets: list[bytes]) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as out:
        for packet in packets:
            out.sendto(packet, ("127.0.0.1", port))


def test_listener_measures_voice_digits_and_records(tmp_path: Path) -> None:
    wav = tmp_path / "heard.wav"
    # a key press: three end-of-event packets share one timestamp (sent redundantly)
    event_5 = [_rtp(101, 200 + i, 99999, bytes([5, 0x80, 0, 160])) for i in range(3)]
    packets = ([_rtp(0, i, i * 160, LOUD) for i in range(50)]
               + [_rtp(0, 50 + i, (50 + i) * 160, SILENT) for i in range(25)] + event_5)
    with RtpListener("127.0.0.1", record=wav) as ears:
        _send_all(ears.port, packets)
        eventually(lambda: ears.heard().packets >= len(packets), 5, 0.02)
    heard = ears.stop()
    assert heard.packets == 78
    assert heard.voiced_seconds == 1.0
    assert heard.seconds == 1.5
    assert heard.digits == "5"
    with wave.open(str(wav)) as recorded:
        assert (recorded.getframerate(), recorded.getnframes()) == (8000, 75 * 160)
