"""Reading SIPp's outputs back, the operator's report, and the French voice cache."""

from __future__ import annotations

import struct
from pathlib import Path

from click.testing import CliRunner

from ivr.cli.call import call
from ivr.settings import Settings
from ivr.simulate import CallResult, _outcome, describe
from ivr.sipp.pcap import keypress_pcaps, timed_keys_pcap
from ivr.sipp.process import SippProcess, parse_stats
from ivr.sipp.voice import speech_audio, speech_file

STATS = (
    "TotalCallCreated;SuccessfulCall(C);FailedCall(C);ResponseTime1(C);CallLength(C)\n"
    "0;0;0;00:00:00:000000;00:00:00:000000\n"
    "20;19;1;00:00:00:012500;00:00:09:104000\n"
)


def test_stats_come_from_the_last_cumulative_row(tmp_path: Path) -> None:
    path = tmp_path / "stats.csv"
    path.write_text(STATS)
    stats = parse_stats(path)
    assert stats is not None
    assert (stats.created, stats.successful, stats.failed) == (20, 19, 1)
    assert (stats.response_time_ms, stats.call_length_ms) == (12.5, 9104.0)
    assert parse_stats(tmp_path / "missing.csv") is None


def test_outcome_reads_status_and_who_hung_up() -> None:
    assert _outcome(["status=200", "remote_bye"]) == (200, "remote")
    assert _outcome(["status=200", "local_bye"]) == (200, "caller")
    assert _outcome(["status=486"]) == (486, None)
    assert _outcome([]) == (None, None)


def test_describe_reports_contact_and_error() -> None:
    result = CallResult("ref-1", True, 200, "caller", 250, 4.26, 9.5, 0)
    contact = {"id": 7, "target": "etat-civil", "routed_by": "dtmf", "menu_path": "1",
               "outcome": "answered"}
    lines = describe(result, contact)
    assert "answered: yes (SIP 200)" in lines
    assert "heard: 4.3 s of audio (250 RTP packets)" in lines
    assert lines[-1] == ("contact #7: target=etat-civil routed_by=dtmf menu_path=1 "
                         "outcome=answered")
    failed = CallResult("ref-2", False, None, None, 0, 0.0, 60.0, None, "timeout")
    assert describe(failed, None)[1] == "answered: no (SIP no final answer)"
    assert describe(failed, None)[-1] == "error: timeout"


def test_speech_is_rendered_once_and_text_is_never_an_option(tmp_path: Path) -> None:
    text = "--help; rm -rf / $(carte d'identité)"
    first = speech_file(text, tmp_path)
    stamp = first.stat().st_mtime_ns
    assert first.stat().st_size > 8000  # more than a second of µ-law audio
    again = speech_file(text, tmp_path)
    assert again == first and again.stat().st_mtime_ns == stamp
    assert speech_file("autre chose", tmp_path) != first


def test_speech_pcap_replays_every_sample_at_20_ms(tmp_path: Path) -> None:
    audio = speech_audio("Bonjour", tmp_path)
    raw = audio.pcap.with_suffix(".ulaw").read_bytes()
    data = audio.pcap.read_bytes()
    offset, payload, stamps = 24, b"", []
    while offset < len(data):
        seconds, micros, length, _ = struct.unpack_from("<IIII", data, offset)
        frame = data[offset + 16:offset + 16 + length]
        payload += frame[14 + 20 + 8 + 12:]  # Ethernet, IPv4, UDP, RTP headers
        stamps.append(seconds + micros / 1e6)
        offset += 16 + length
    assert payload == raw
    assert audio.seconds == len(raw) / 8000
    assert stamps[1] - stamps[0] == 0.02


def test_call_command_refuses_unsafe_numbers_before_dialling() -> None:
    outcome = CliRunner().invoke(call, ["--from", "06\r\nX-Evil: 1", "--port", "9"],
                                 obj=Settings.from_env({"TOWNHALL_HOME": "/nonexistent"}))
    assert outcome.exit_code == 2
    assert "not allowed in a SIP header" in outcome.output


def _rtp_of_pcap(path: Path) -> list[bytes]:
    data, offset, packets = path.read_bytes(), 24, []
    while offset < len(data):
        length = struct.unpack_from("<I", data, offset + 8)[0]
        packets.append(data[offset + 16 + 42:offset + 16 + length])  # after Eth/IP/UDP
        offset += 16 + length
    return packets


def test_each_key_press_of_a_call_has_its_own_timestamp(tmp_path: Path) -> None:
    first = keypress_pcaps("11", tmp_path)
    later = keypress_pcaps("#", tmp_path, first_press=2)
    events = []
    for path in [*first, *later]:
        packets = _rtp_of_pcap(path)
        timestamps = {struct.unpack_from("!I", p, 4)[0] for p in packets}
        assert len(timestamps) == 1  # one event, one timestamp
        assert packets[-1][13] & 0x80  # ends with end-of-event packets
        events.append((timestamps.pop(), packets[0][12]))
    assert [key for _, key in events] == [1, 1, 11]
    assert len({ts for ts, _ in events}) == 3  # a repeated digit is not a duplicate


def test_timed_key_presses_come_when_asked_numbered_like_the_calls_presses(
        tmp_path: Path) -> None:
    # « 4 » held 140 ms, then « 0 » held 20 ms from 12 ms after the « 4 »'s end, as the
    # call's presses 3 and 4
    seconds = timed_keys_pcap([("4", 0, 140), ("0", 152, 20)], tmp_path / "k.pcap",
                              first_press=3)
    data, offset, seen = (tmp_path / "k.pcap").read_bytes(), 24, []
    for rtp in _rtp_of_pcap(tmp_path / "k.pcap"):
        seconds_, micros = struct.unpack_from("<II", data, offset)
        offset += 16 + struct.unpack_from("<I", data, offset + 8)[0]
        seq, timestamp = struct.unpack_from("!HI", rtp, 2)
        seen.append((seconds_ * 1000 + micros // 1000, rtp[12], bool(rtp[13] & 0x80),
                     struct.unpack_from("!H", rtp, 14)[0], seq, timestamp))
    ends = [(ms, key, duration) for ms, key, end, duration, _, _ in seen if end]
    assert ends == [(140, 4, 1120), (145, 4, 1120), (150, 4, 1120),
                    (172, 0, 160), (177, 0, 160), (182, 0, 160)]
    assert seconds == 0.182
    assert {(key, timestamp) for _, key, _, _, _, timestamp in seen} == {
        (4, 4 * 48_000), (0, 5 * 48_000)}  # what keypress_pcaps gives presses 3 and 4
    assert [seq for *_, seq, _ in seen] == sorted(seq for *_, seq, _ in seen)


def test_sipp_errors_are_picked_out_of_its_screen() -> None:
    sipp = SippProcess("<scenario/>", local_ip="127.0.0.1")
    screen = ("  Successful call        |        0     |        0\n"
              "  Failed2026-11-29\t02:57:33.030698\t1795921053.030698: scenario timed out "
              "after '3.000' seconds\n call            |        0     |        0\n")
    (sipp.workdir / "screen.txt").write_text(screen)
    (sipp.workdir / "errors.log").write_text(
        "The following events occurred:\n2026-11-29\t02:57:33.030698\t1795921053.030698: "
        "scenario timed out after '3.000' seconds")
    try:
        assert sipp.errors() == "scenario timed out after '3.000' seconds"
    finally:
        sipp.cleanup()
