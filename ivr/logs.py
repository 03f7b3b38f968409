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


class KeyValueFormatter(logging.Formatter):
    """``2026-12-02 10:00:01 INFO ivr.flow call answered call=123 caller=06…``."""

    def format(self, record: logging.LogRecord) -> str:
        base = super().format(record)
        facts = " ".join(f"{k}={v}" for k, v in _facts(record).items())
        return f"{base} {facts}" if facts else base


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
