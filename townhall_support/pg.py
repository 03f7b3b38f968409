"""A scratch PostgreSQL database and a TCP relay that can cut it off, for the fault
benchmark and the tests (``tests/fixtures/db.py``).

The server is the machine's (127.0.0.1:5432, trust auth) unless ``TOWNHALL_TEST_PG_*``
move it: the test run starts its own (``townhall_support.pg_server``) and says where in
the environment, so the server is read at each call, not at import.
The relay is a real network outage for the client that leaves the shared server
running: closing it resets every open connection and refuses new ones.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import select
import socket
import struct
import threading
from collections.abc import Iterator

import psycopg
from psycopg import sql


def pg_host() -> str:
    return os.environ.get("TOWNHALL_TEST_PG_HOST", "127.0.0.1")


def pg_port() -> int:
    return int(os.environ.get("TOWNHALL_TEST_PG_PORT", "5432"))


def pg_user() -> str:
    return os.environ.get("TOWNHALL_TEST_PG_USER", "postgres")

# SO_LINGER on, timeout 0: close() sends RST, as when a link or a server dies.
_RESET_ON_CLOSE = struct.pack("ii", 1, 0)


def _admin_connection() -> psycopg.Connection:
    return psycopg.connect(
        host=pg_host(),
        port=pg_port(),
        user=pg_user(),
        dbname="postgres",
        autocommit=True,
        connect_timeout=3,
    )


def pg_url(dbname: str, port: int | None = None) -> str:
    """URL of a test database, optionally through another port (the proxy)."""
    return f"postgresql+psycopg://{pg_user()}@{pg_host()}:{port or pg_port()}/{dbname}"


def create_pg_database() -> str:
    """Create ``townhall_test_<random>`` and return its name (raises if unreachable)."""
    name = f"townhall_test_{secrets.token_hex(6)}"
    with _admin_connection() as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return name


def copy_pg_database(template: str, name: str) -> None:
    """Replace the (empty) database ``name`` by a copy of ``template``, which no session
    may be using (PostgreSQL copies it file by file: faster than migrating again)."""
    with _admin_connection() as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
            sql.Identifier(name), sql.Identifier(template)))


def drop_pg_database(name: str) -> None:
    """Drop a test database, terminating whatever is still connected to it."""
    with _admin_connection() as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


class TcpProxy:
    """A TCP relay to ``upstream`` that can be cut (connections killed) and restored."""

    def __init__(self, upstream: tuple[str, int]):
        self.upstream = upstream
        self.port = 0
        self._listener: socket.socket | None = None
        self._acceptor: threading.Thread | None = None
        self._conns: set[socket.socket] = set()
        self._lock = threading.Lock()

    def open(self) -> None:
        """Listen again (on the same port once one was chosen)."""
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._acceptor = threading.Thread(target=self._accept, args=(listener,), daemon=True)
        self._acceptor.start()

    def close(self) -> None:
        """Refuse new connections and reset the open ones, like a dead network."""
        if self._listener is not None and self._acceptor is not None:
            # shutdown() wakes the thread blocked in accept(); close() alone would not.
            self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._acceptor.join(5)
            self._listener = None
        with self._lock:
            conns, self._conns = self._conns, set()
        for conn in conns:
            with contextlib.suppress(OSError):  # the pump may have closed it already
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _RESET_ON_CLOSE)
                conn.shutdown(socket.SHUT_RDWR)

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.upstream, timeout=3)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._conns |= {client, server}
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()

    def _pump(self, a: socket.socket, b: socket.socket) -> None:
        peers = {a: b, b: a}
        try:
            while True:
                ready, _, _ = select.select([a, b], [], [], 1.0)
                for sock in ready:
                    data = sock.recv(65536)
                    if not data:
                        return
                    peers[sock].sendall(data)
        except (OSError, ValueError):
            return
        finally:
            for sock in (a, b):
                with self._lock:
                    self._conns.discard(sock)
                sock.close()


@contextlib.contextmanager
def database_behind_proxy() -> Iterator[tuple[str, TcpProxy]]:
    """A scratch database and the URL that reaches it through an open ``TcpProxy``."""
    name = create_pg_database()
    proxy = TcpProxy((pg_host(), pg_port()))
    proxy.open()
    try:
        yield pg_url(name, proxy.port), proxy
    finally:
        proxy.close()
        drop_pg_database(name)
