"""Speech as a pcap of RTP packets, for SIPp's ``play_pcap_audio``.

Why not SIPp's ``rtp_stream``: SIPp 3.6 streams from a socket of its own, not from
the media port its DTMF captures come from, and Asterisk's strict RTP then keeps
only the first source it learned (the digits or the words, never both). A pcap is
replayed from the media port like the sip-tester DTMF captures, so both arrive.
"""

from __future__ import annotations

import struct
from pathlib import Path

SAMPLE_RATE = 8000  # µ-law: one byte per sample
SAMPLES_PER_PACKET = 160  # 20 ms
PT_PCMU = 0
LINKTYPE_ETHERNET = 1
# SIPp rewrites addresses and ports when replaying; these are placeholders.
_ETHERNET = bytes(6) + bytes(6) + b"\x08\x00"
_SRC, _DST, _PORT = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]), 6000


def _frame(rtp: bytes) -> bytes:
    """Ethernet + IPv4 + UDP around one RTP packet (checksums left at 0: SIPp ignores them)."""
    udp = struct.pack("!HHHH", _PORT, _PORT, 8 + len(rtp), 0) + rtp
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, _SRC, _DST)
    return _ETHERNET + ip + udp


def ulaw_to_pcap(ulaw: bytes, target: Path, *, ssrc: int = 0x7E57) -> float:
    """Write ``ulaw`` (8 kHz mono) as 20 ms RTP packets in a pcap; return its seconds."""
    chunks = [ulaw[i:i + SAMPLES_PER_PACKET] for i in range(0, len(ulaw), SAMPLES_PER_PACKET)]
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, LINKTYPE_ETHERNET)]
    for n, chunk in enumerate(chunks):
        marker = 0x80 if n == 0 else 0
        rtp = struct.pack("!BBHII", 0x80, marker | PT_PCMU, n & 0xFFFF,
                          n * SAMPLES_PER_PACKET, ssrc) + chunk
        frame = _frame(rtp)
        micros = n * 20_000
        out.append(struct.pack("<IIII", micros // 1_000_000, micros % 1_000_000,
                               len(frame), len(frame)) + frame)
    target.write_bytes(b"".join(out))
    return len(ulaw) / SAMPLE_RATE
