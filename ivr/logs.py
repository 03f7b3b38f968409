"""Structured logging for operators.

Log calls pass facts as ``extra={...}``; the formatter prints them as ``key=value``
pairs after the message (or as one JSON object per line with
``TOWNHALL_LOG_FORMAT=json``), so a call can be followed with ``grep call=<id>``.
"""

from __future__ import annotations

import json
import logging
import sys

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def _facts(record: logging.LogRecord) -> dict[str, object]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD}


def escape_controls(text: str) -> str:
    """Control characters shown as escapes (``\\n``, ``\\x1b``): a value a caller or a
    user chose (a user name, a caller id) can never forge a line of the text log."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


class KeyValueFormatter(logging.Formatter):
    """``2026-12-02 10:00:01 INFO ivr.flow call answered call=123 caller=06…``.

    The message and every fact are escaped; only a traceback keeps its newlines."""

    def format(self, record: logging.LogRecord) -> str:
        record.message = escape_controls(record.getMessage())
        if self.usesTime():
            record.asctime = self.formatTime(record, self.datefmt)
        line = self.formatMessage(record)
        facts = " ".join(f"{k}={escape_controls(str(v))}" for k, v in _facts(record).items())
        line = f"{line} {facts}" if facts else line
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        if record.stack_info:
            line += "\n" + self.formatStack(record.stack_info)
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log shippers."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, object] = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **_facts(record),
        }
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str, ensure_ascii=False)


def setup_logging(level: str = "INFO", fmt: str = "text") -> None:
    """Install one handler on the root logger (idempotent)."""
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(KeyValueFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Libraries that log every HTTP request drown the call facts.
    for noisy in ("httpx", "httpcore", "websockets", "ari_client", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
