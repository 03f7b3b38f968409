"""A flood of bad SIP traffic, like the scanners every public SIP port receives.

Datagrams come from ``127.0.0.2`` (still loopback) so that Asterisk's ``dev-trunk``
(identified by ``127.0.0.1``) does not match: like a scanner on the Internet they come
from an unknown address, with user parts nobody configured. The mix is garbage bytes,
OPTIONS pings and INVITEs with a valid SDP, none ever answered or acknowledged.
"""

from __future__ import annotations

import itertools
import os
import socket
import threading
import uuid
from typing import Self

FLOOD_SOURCE = "127.0.0.2"


class UdpThread:
    """A UDP socket served by a daemon thread: started on enter, stopped on exit."""

    def __init__(self, sock: socket.socket, name: str) -> None:
        self._sock = sock
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sock.close()

    def _run(self) -> None:
        raise NotImplementedError


def _request(method: str, n: int, source: tuple[str, int], target: tuple[str, int]) -> bytes:
    """One out-of-dialog request from the unknown user ``scanner<n>``."""
    here, there = f"{source[0]}:{source[1]}", f"{target[0]}:{target[1]}"
    sdp = (f"v=0\r\no=- {n} 1 IN IP4 {source[0]}\r\ns=-\r\nc=IN IP4 {source[0]}\r\nt=0 0\r\n"
           "m=audio 9 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n") if method == "INVITE" else ""
    head = (f"{method} sip:{100 + n % 900}@{there} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP {here};branch=z9hG4bK-{uuid.uuid4().hex}\r\n"
            f"From: <sip:scanner{n}@{here}>;tag={n}\r\nTo: <sip:{100 + n % 900}@{there}>\r\n"
            f"Call-ID: flood-{uuid.uuid4().hex}\r\nCSeq: 1 {method}\r\n"
            f"Contact: <sip:scanner{n}@{here}>\r\nMax-Forwards: 70\r\n"
            "User-Agent: friendly-scanner\r\n")
    if sdp:
        head += "Content-Type: application/sdp\r\n"
    return f"{head}Content-Length: {len(sdp)}\r\n\r\n{sdp}".encode()


class SipFlood(UdpThread):
    """Send ``rate`` bad datagrams per second to ``target`` on a thread until stopped."""

    def __init__(self, target: tuple[str, int], rate: float = 500) -> None:
        self.target = target
        self.rate = rate
        self.sent = 0
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.bind((FLOOD_SOURCE, 0))
        except OSError:  # some loopbacks only have 127.0.0.1: the flood is then "known"
            sock.bind(("127.0.0.1", 0))
        super().__init__(sock, "sip-flood")

    def _datagram(self, n: int) -> bytes:
        kind = n % 3
        if kind == 0:
            return os.urandom(64 + n % 700)
        source = self._sock.getsockname()
        return _request("OPTIONS" if kind == 1 else "INVITE", n, source, self.target)

    def _run(self) -> None:
        """Send in small bursts every 10 ms, so the rate holds without busy waiting."""
        per_tick = max(1, round(self.rate / 100))
        counter = itertools.count()
        while not self._stop.wait(0.01):
            for _ in range(per_tick):
                try:
                    self._sock.sendto(self._datagram(next(counter)), self.target)
                except OSError:  # ICMP port unreachable while Asterisk restarts
                    continue
                self.sent += 1
