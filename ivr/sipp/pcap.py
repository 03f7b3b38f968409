"""Speech and key presses as pcaps of RTP packets, for SIPp's ``play_pcap_audio``.

Why not SIPp's ``rtp_stream``: SIPp 3.6 streams from a socket of its own, not from
the media port its DTMF captures come from, and Asterisk's strict RTP then keeps
only the first source it learned (the digits or the words, never both). A pcap is
replayed from the media port like the sip-tester DTMF captures, so both arrive.
"""

from __future__ import annotations

import os
import struct
import threading
from pathlib import Path

SAMPLE_RATE = 8000  # µ-law: one byte per sample
SAMPLES_PER_PACKET = 160  # 20 ms
PT_PCMU = 0
PT_EVENT = 101  # telephone-event, as offered in uac.xml
VOLUME = 10
DTMF_EVENTS = {**{d: int(d) for d in "0123456789"}, "*": 10, "#": 11}
LINKTYPE_ETHERNET = 1
# SIPp rewrites addresses and ports when replaying; these are placeholders.
_ETHERNET = bytes(6) + bytes(6) + b"\x08\x00"
_SRC, _DST, _PORT = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]), 6000


def _frame(rtp: bytes) -> bytes:
    """Ethernet + IPv4 + UDP around one RTP packet (checksums left at 0: SIPp ignores them)."""
    udp = struct.pack("!HHHH", _PORT, _PORT, 8 + len(rtp), 0) + rtp
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, _SRC, _DST)
    return _ETHERNET + ip + udp


def _write(rtp_packets: list[bytes], target: Path) -> None:
    """A pcap of RTP packets 20 ms apart (the pacing SIPp replays them at)."""
    _write_timed([(n * 20_000, rtp) for n, rtp in enumerate(rtp_packets)], target)


def _write_timed(timed: list[tuple[int, bytes]], target: Path) -> None:
    """A pcap of RTP packets, each at its microsecond (SIPp replays them at those times)."""
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, LINKTYPE_ETHERNET)]
    for micros, rtp in sorted(timed, key=lambda packet: packet[0]):
        frame = _frame(rtp)
        out.append(struct.pack("<IIII", micros // 1_000_000, micros % 1_000_000,
                               len(frame), len(frame)) + frame)
    target.write_bytes(b"".join(out))


def _event(key: str, *, seq: int, timestamp: int, ssrc: int, duration: int,
           end: bool = False, first: bool = False) -> bytes:
    """One RFC 4733 telephone-event packet (``duration`` in samples)."""
    return struct.pack("!BBHIIBBH", 0x80, (0x80 if first else 0) | PT_EVENT, seq & 0xFFFF,
                       timestamp, ssrc, DTMF_EVENTS[key], (0x80 if end else 0) | VOLUME,
                       duration)


def ulaw_to_pcap(ulaw: bytes, target: Path, *, ssrc: int = 0x7E57) -> float:
    """Write ``ulaw`` (8 kHz mono) as 20 ms RTP packets in a pcap; return its seconds."""
    chunks = [ulaw[i:i + SAMPLES_PER_PACKET] for i in range(0, len(ulaw), SAMPLES_PER_PACKET)]
    _write([struct.pack("!BBHII", 0x80, (0x80 if n == 0 else 0) | PT_PCMU, n & 0xFFFF,
                        n * SAMPLES_PER_PACKET, ssrc) + chunk
            for n, chunk in enumerate(chunks)], target)
    return len(ulaw) / SAMPLE_RATE


def dtmf_to_pcap(key: str, target: Path, *, timestamp: int, seq: int,
                 ssrc: int = 0xD7F0) -> None:
    """One RFC 4733 key press (140 ms, then three end packets) at its own timestamp.

    Why not sip-tester's captures: each replays the same RTP timestamp, and Asterisk
    drops an event whose timestamp equals the last one's, so « 11 » arrived as « 1 ».
    """
    steps = [(n * SAMPLES_PER_PACKET, False) for n in range(7)]
    steps += [(7 * SAMPLES_PER_PACKET, True)] * 3
    _write([_event(key, seq=seq + n, timestamp=timestamp, ssrc=ssrc, duration=duration,
                   end=end, first=n == 0)
            for n, (duration, end) in enumerate(steps)], target)


def timed_keys_pcap(presses: list[tuple[str, int, int]], target: Path, *,
                    first_press: int = 0, ssrc: int = 0xD7F0) -> float:
    """Key presses at chosen times in one pcap; return its seconds.

    Each press is ``(key, start_ms, held_ms)``: a packet every 20 ms while held, then
    its end three times, 5 ms apart. Unlike ``dtmf_to_pcap`` presses may come closer
    than a phone would send them, as a late RTP burst delivers them (the doubled digit
    of ``ivr.telephony.dtmf_echo``). Press ``n`` is numbered ``first_press + n`` in the
    call, for RTP timestamps and sequence numbers that follow ``keypress_pcaps``'.
    """
    timed: list[tuple[int, bytes]] = []
    for n, (key, start_ms, held_ms) in enumerate(presses, start=first_press + 1):
        seq, timestamp = n * 100, n * 48_000
        held = [(start_ms + 20 * i, i * SAMPLES_PER_PACKET) for i in range(max(held_ms // 20, 1))]
        timed += [(ms * 1000, _event(key, seq=seq + i, timestamp=timestamp, ssrc=ssrc,
                                     duration=duration, first=i == 0))
                  for i, (ms, duration) in enumerate(held)]
        duration = held_ms * SAMPLE_RATE // 1000
        timed += [((start_ms + held_ms + 5 * i) * 1000,
                   _event(key, seq=seq + len(held) + i, timestamp=timestamp, ssrc=ssrc,
                          duration=duration, end=True)) for i in range(3)]
    _write_timed(timed, target)
    return max(micros for micros, _ in timed) / 1_000_000


def keypress_pcaps(keys: str, cache_dir: Path, first_press: int = 0) -> list[Path]:
    """Pcaps for the key presses numbered from ``first_press`` in a call (cached)."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for n, key in enumerate(keys, start=first_press):
        path = cache_dir / f"dtmf-{n}-{DTMF_EVENTS[key]}.pcap"
        if not path.exists():
            # private to this process and thread: calls placed at once share the cache
            partial = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
            dtmf_to_pcap(key, partial, timestamp=(n + 1) * 48_000, seq=(n + 1) * 100)
            os.replace(partial, path)
        paths.append(path)
    return paths
