"""The self-service bench's schedule (``bench.selfservice_calls``), without Asterisk."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.probe import read_message_trace
from bench.selfservice_calls import KEY_END, KEYED_BORN, last_key_offset, steps_for
from ivr.simulate import resolve_steps
from ivr.sipp.scenario import Dtmf


def test_the_last_key_ends_after_every_wait_and_press_before_it(tmp_path: Path) -> None:
    steps = resolve_steps(steps_for("1234567897"), tmp_path)
    assert [s.digits for s in steps if isinstance(s, Dtmf)] == ["2", "1234567897", KEYED_BORN]
    # 1 s, « 2 » (0.4 s), 1.5 s, ten digits, 1.5 s, seven digits, then the last press
    assert last_key_offset(steps) == pytest.approx(1 + 0.4 + 1.5 + 2.5 + 1.5 + 1.75 + KEY_END)


def test_an_empty_message_trace_is_no_call(tmp_path: Path) -> None:
    trace = tmp_path / "messages.log"
    trace.write_text("")  # SIPp started late or not at all: the wave still reports
    assert read_message_trace(trace) == {}
