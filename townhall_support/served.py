"""A Flask app served by waitress in a thread, for tests and benches that need a real
HTTP server (Kannel calling the project back, a browser)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import waitress
from flask import Flask


@contextmanager
def served(app: Flask, threads: int = 2) -> Iterator[str]:
    """Serve ``app`` with waitress on a free port; yields its base URL. Kannel's smsbox
    opens a connection per delivery report: a burst passes waitress's default 100."""
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=threads,
                                    connection_limit=1000)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        thread.join(timeout=5)
