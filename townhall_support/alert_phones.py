"""Residents' phones for the alert tests and benchmark: one SIPp UAS behind the citizen
trunk that behaves by the last digit of the number dialled.

==============  =============================================================
last digit      the phone
==============  =============================================================
1 (and 0, 9)    answers, presses 1 after ``key_after`` seconds
2               answers, presses 2 (asks for help)
3               answers and never presses a key nor sends a sound (hangs up
                after ``hold``)
4               busy (486)
5               rings, then gives up unanswered (480 after ``ring``)
6               rejects the call (603 Decline)
7               an answering machine: answers with a long spoken greeting
                (« Bonjour, vous êtes bien chez… laissez un message après le
                bip »), then listens without a key
8               a person: answers, says « Allô ? », is silent 2.5 s, presses 1
                ``key_after`` seconds later
==============  =============================================================

The voices are espeak-ng's (``ivr.sipp.voice``), replayed from the media port with
silence around them: ``AMD()`` needs audio frames all along (with none it answers
NOTSURE at once), a person's short « Allô ? » followed by silence makes it say HUMAN,
a greeting of many words MACHINE.

Every INVITE is logged as ``invite <number>``, so a test counts how often each number
was called from the phone's side, not from the store's.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from ivr.sipp.pcap import SAMPLE_RATE, keypress_pcaps, ulaw_to_pcap
from ivr.sipp.process import SippProcess
from ivr.sipp.voice import speech_file

ACK, HELP, SILENT, BUSY, NO_ANSWER, REJECT, MACHINE, PERSON = "12345678"
GREETING = ("Bonjour, vous êtes bien chez Marie et Paul Durand. Nous ne pouvons pas vous "
            "répondre pour le moment. Laissez-nous un message après le bip, nous vous "
            "rappellerons dès que possible. Merci et à bientôt.")
HELLO = "Allô ?"
# µ-law silence around the voices: the person speaks once AMD() listens (it gives up
# on a silence of 2.5 s from the start), and its silence after « Allô ? » (0.8 s in
# amd.conf) is what makes it a person
LEAD, TAIL = 1.0, 2.5
_SILENCE = b"\xff"
_REPLY = """
  <send>
    <![CDATA[

      SIP/2.0 {code}
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

    ]]>
  </send>
  <recv request="ACK" next="end"/>
"""
_ANSWER = """
  <send retrans="500">
    <![CDATA[

      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:resident@[local_ip]:[local_port]>
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=- 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0 101
      a=rtpmap:0 PCMU/8000
      a=rtpmap:101 telephone-event/8000
      a=fmtp:101 0-15
      a=ptime:20

    ]]>
  </send>
  <recv request="ACK"/>
"""
_KEY = """
  <label id="key{digit}"/>
{answer}{voice}
  <pause milliseconds="{key_ms}"/>
  <nop><action><exec play_pcap_audio="{pcap}"/></action></nop>
  <recv request="BYE" timeout="{hold_ms}" ontimeout="hangup" next="bye"/>
"""
_VOICE = """
  <nop><action><exec play_pcap_audio="{pcap}"/></action></nop>"""


def voice_pcap(text: str, cache_dir: Path) -> tuple[Path, float]:
    """``text`` spoken, with ``LEAD`` and ``TAIL`` seconds of silence, as a pcap; its
    length in seconds."""
    speech = speech_file(text, cache_dir)
    pcap = speech.with_name(f"{speech.stem}-{LEAD:g}-{TAIL:g}.pcap")
    seconds = ulaw_to_pcap(_SILENCE * round(LEAD * SAMPLE_RATE) + speech.read_bytes()
                           + _SILENCE * round(TAIL * SAMPLE_RATE), pcap)
    return pcap, seconds


def scenario(pcaps: dict[str, Path], *, key_after: float, ring: float, hold: float,
             hello_seconds: float = 0.0) -> str:
    """The UAS scenario (SIPp XML) of ``ResidentPhones``; ``pcaps``: the keys 1 and 2,
    and the voices of the machine (7) and the person (8), ``hello_seconds`` long."""
    key_ms, ring_ms, hold_ms = (round(s * 1000) for s in (key_after, ring, hold))
    tests = "".join(
        f'      <strcmp assign_to="c{d}" variable="last" value="{d}"/>\n'
        f'      <test assign_to="is{d}" variable="c{d}" compare="equal" value="0"/>\n'
        for d in "2345678")
    jumps = "".join(f'  <nop next="{label}" test="is{d}"/>\n' for d, label in (
        ("2", "key2"), ("3", "silent"), ("4", "busy"), ("5", "noanswer"), ("6", "reject"),
        ("7", "machine"), ("8", "key8")))
    keys = "".join(_KEY.format(digit=d, answer=_ANSWER, key_ms=key_ms, hold_ms=hold_ms,
                               pcap=pcaps[d], voice="") for d in (ACK, HELP))
    keys += _KEY.format(digit=PERSON, answer=_ANSWER, hold_ms=hold_ms, pcap=pcaps[ACK],
                        key_ms=round(hello_seconds * 1000) + key_ms,
                        voice=_VOICE.format(pcap=pcaps[PERSON]))
    return f"""<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="townhall-residents">
  <recv request="INVITE" crlf="true">
    <action>
      <ereg regexp="^INVITE sip:([+0-9]*([0-9]))@" search_in="msg" check_it="true"
            assign_to="ruri,number,last"/>
      <ereg regexp=".*" search_in="hdr" header="From:" check_it="true" assign_to="remote_from"/>
      <ereg regexp=".*" search_in="hdr" header="To:" check_it="true" assign_to="local_to"/>
      <log message="invite [$number] ([$ruri])"/>
{tests}    </action>
  </recv>
  <send>
    <![CDATA[

      SIP/2.0 180 Ringing
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

    ]]>
  </send>
{jumps}  <nop next="key1"/>
{keys}
  <label id="silent"/>
{_ANSWER}
  <recv request="BYE" timeout="{hold_ms}" ontimeout="hangup" next="bye"/>
  <label id="machine"/>
{_ANSWER}{_VOICE.format(pcap=pcaps[MACHINE])}
  <recv request="BYE" timeout="{hold_ms}" ontimeout="hangup" next="bye"/>
  <label id="busy"/>
{_REPLY.format(code="486 Busy Here")}
  <label id="noanswer"/>
  <pause milliseconds="{ring_ms}"/>
{_REPLY.format(code="480 Temporarily Unavailable")}
  <label id="reject"/>
{_REPLY.format(code="603 Decline")}
  <label id="bye"/>
  <send next="end">
    <![CDATA[

      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

    ]]>
  </send>
  <label id="hangup"/>
  <send retrans="500">
    <![CDATA[

      BYE [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: [$local_to];tag=[pid]SIPpTag01[call_number]
      To: [$remote_from]
      Call-ID: [call_id]
      CSeq: 2 BYE
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <recv response="200" next="end"/>
  <label id="end"/>
  <nop/>
</scenario>
"""


class ResidentPhones:
    """The residents' phones (see the module doc), as one SIPp process."""

    def __init__(self, cache_dir: Path, *, key_after: float = 1.0, ring: float = 1.0,
                 hold: float = 60.0, host: str = "127.0.0.1", lifetime: float = 3600) -> None:
        pcaps = dict(zip((ACK, HELP), keypress_pcaps(ACK + HELP, cache_dir / "dtmf"),
                         strict=True))
        pcaps[MACHINE], _ = voice_pcap(GREETING, cache_dir / "voice")
        pcaps[PERSON], hello = voice_pcap(HELLO, cache_dir / "voice")
        self._sipp = SippProcess(scenario(pcaps, key_after=key_after, ring=ring, hold=hold,
                                          hello_seconds=hello),
                                 local_ip=host, lifetime=lifetime)
        self.port = self._sipp.sip_port

    def __enter__(self) -> ResidentPhones:
        self._sipp.start()
        self._sipp.ready()
        return self

    def __exit__(self, *exc: object) -> None:
        self._sipp.stop()
        self._sipp.cleanup()

    def invites(self) -> Counter[str]:
        """How many times each number was called so far."""
        return Counter(line.split("invite ", 1)[1].split()[0]
                       for line in self._sipp.log_lines() if "invite " in line)

    def errors(self) -> str:
        return self._sipp.errors()
