"""Text logs: a value someone else chose never forges a line or a terminal sequence."""

from __future__ import annotations

import logging

from ivr.logs import KeyValueFormatter, escape_controls


def _format(msg: str, args: tuple[object, ...], **facts: object) -> str:
    record = logging.LogRecord("t", logging.INFO, __file__, 1, msg, args, None)
    record.__dict__.update(facts)
    return KeyValueFormatter("%(levelname)s %(message)s").format(record)


def test_control_characters_in_facts_and_message_stay_on_one_line() -> None:
    line = _format("call from %s", ("x\r\nINFO forged",), caller="06\x1b[2J", user="marie\u2028x")
    assert "\n" not in line and "\r" not in line and "\x1b" not in line
    assert "caller=06\\x1b[2J" in line and "user=marie\\u2028x" in line
    assert "call from x\\r\\nINFO forged" in line


def test_printable_french_text_is_kept() -> None:
    assert escape_controls("état civil, accueil « mairie »") == "état civil, accueil « mairie »"


def test_a_traceback_keeps_its_lines() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = logging.LogRecord("t", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    out = KeyValueFormatter("%(message)s").format(record)
    assert out.startswith("failed\nTraceback") and "ValueError: boom" in out
