"""Calls answered by the dialplan while the IVR was away become contacts."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from ivr.telephony.fallback_log import TAKEN, ingest, parse_line
from tests.fixtures.telephony import FakeRecorder

LINE = "1796112000|townhall-x-1.7|0612345678|3000|ref-9"


def test_a_line_is_parsed_and_torn_lines_are_skipped() -> None:
    call = parse_line(LINE)
    assert call is not None
    assert (call.call_id, call.caller, call.called, call.ref) == (
        "townhall-x-1.7", "0612345678", "3000", "ref-9")
    assert call.at == datetime.fromtimestamp(1796112000, UTC)
    assert parse_line("1796112000|townhall-x-1.") is None
    assert parse_line("soon|townhall-x-1.7|||") is None
    assert parse_line("1796112000|townhall-x-2.0|||").caller is None  # type: ignore[union-attr]


def test_ingest_records_each_call_once_and_takes_the_file_away(tmp_path: Path) -> None:
    log = tmp_path / "fallback-calls.log"
    log.write_text(f"{LINE}\n1796112060|townhall-x-1.8|||\ngarbage\n")
    leftover = tmp_path / f"fallback-calls.log.123{TAKEN}"  # a crash during ingestion
    leftover.write_text("1796111000|townhall-x-1.1|0611111111||\n")
    recorder = FakeRecorder()
    assert ingest(log, recorder) == 3
    starts = [call_id for op, call_id, _ in recorder.ops if op == "start"]
    assert sorted(starts) == ["townhall-x-1.1", "townhall-x-1.7", "townhall-x-1.8"]
    outcomes = {f["outcome"] for op, _, f in recorder.ops if op == "update"}
    assert outcomes == {"fallback"}
    assert list(tmp_path.iterdir()) == []  # taken away: Asterisk starts a new file
    assert ingest(log, FakeRecorder()) == 0


def test_a_file_another_live_ivr_process_is_reading_is_left_to_it(tmp_path: Path,
                                                                   monkeypatch) -> None:
    """Several IVR processes become ready together: each file is read by one of them."""
    log = tmp_path / "fallback-calls.log"
    reading = tmp_path / f"fallback-calls.log.4242{TAKEN}"  # a live peer's
    reading.write_text(f"{LINE}\n")
    left = tmp_path / f"fallback-calls.log.4343{TAKEN}"  # a dead process's
    left.write_text("1796111000|townhall-x-1.1|||\n")
    monkeypatch.setattr("ivr.telephony.fallback_log.is_ivr_app", lambda pid: pid == 4242)
    recorder = FakeRecorder()
    assert ingest(log, recorder) == 1
    assert [call_id for op, call_id, _ in recorder.ops if op == "start"] == ["townhall-x-1.1"]
    assert [p.name for p in tmp_path.iterdir()] == [reading.name]
