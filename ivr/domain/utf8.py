"""Text files someone else wrote (rules, settings, batches): a byte that is not UTF-8 is
named by its line and column, like any other error in the file, never a traceback."""

from __future__ import annotations

NOT_UTF8 = "ce fichier n'est pas en UTF-8"


def utf8_position(data: bytes, error: UnicodeDecodeError) -> tuple[int, int]:
    """1-based (line, column in bytes) of the first byte UTF-8 refused in ``data``."""
    before = data[:error.start]
    line_start = before.rfind(b"\n") + 1
    return before.count(b"\n") + 1, error.start - line_start + 1
