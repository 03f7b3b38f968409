"""Notifications per second through Kannel + fakesmsc and through SMTP, and the
project's CPU per message.

    .venv/bin/python -m bench.messages_bench [-n 1000]

Each run queues N messages in a fresh SQLite store, then one sender drains them
through the real gateway: Kannel (bearerbox, smsbox, fakesmsc, started here) or an
SMTP server (aiosmtpd in a thread). The rate counts until the last message reached
fakesmsc or the SMTP server; the CPU is the sender thread's own (store, rendering of
the HTTP/SMTP requests), not Kannel's or the SMTP server's.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench.machine import describe
from ivr.messages.adapters.kannel import KannelConfig, KannelGateway
from ivr.messages.adapters.sender import Sender
from ivr.messages.adapters.smtp import SmtpConfig, SmtpGateway
from ivr.messages.sending import Gateway
from ivr.store import messages as outbox
from ivr.store.db import Store
from townhall_support.kannel import PASSWORD, running_kannel
from townhall_support.smtp import smtp_server
from townhall_support.wait import eventually

NOW = datetime(2026, 12, 2, 10, tzinfo=UTC)
TEXT = "Mairie de Villebourg : votre demande 12 34 56 78 97 est maintenant : Envoyée."


def _store(directory: Path, channel: str, recipient: str, count: int) -> Store:
    store = Store(f"sqlite:///{directory / 'bench.db'}")
    store.migrate()
    with store.session() as session:
        for n in range(count):
            outbox.enqueue(session, channel=channel, recipient=recipient,
                           body=f"{TEXT} ({n})", subject="Votre demande", purpose="direct",
                           now=NOW)
    return store


def _drain(store: Store, channel: str, gateway: Gateway, arrived: Callable[[], int],
           count: int) -> tuple[float, float]:
    sender = Sender(store, {channel: gateway}, "bench", lambda: NOW)

    async def drain() -> None:
        while await sender.tick():
            pass

    wall, cpu = time.perf_counter(), time.thread_time()
    asyncio.run(drain())
    cpu = time.thread_time() - cpu
    assert eventually(lambda: arrived() >= count, 120), "every message at the gateway's far end"
    return time.perf_counter() - wall, cpu


def kannel(count: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        store = _store(directory, "sms", "+33612345678", count)
        with running_kannel(directory, "http://127.0.0.1:9/in") as box:
            gateway = KannelGateway(KannelConfig(box.sendsms_url, "townhall", PASSWORD,
                                                 "Mairie", "http://127.0.0.1:9/dlr"))
            result = _drain(store, "sms", gateway, lambda: len(box.received), count)
        store.dispose()
        return result


def smtp(count: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        store = _store(Path(tmp), "email", "alice@example.org", count)
        with smtp_server() as relay:
            gateway = SmtpGateway(SmtpConfig("127.0.0.1", relay.port, "mairie@villebourg.fr",
                                             "Mairie", "accueil@villebourg.fr"), lambda: NOW)
            result = _drain(store, "email", gateway, lambda: len(relay.received), count)
        store.dispose()
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1000)
    args = parser.parse_args()
    print(describe("messages bench"))
    for name, run in (("kannel+fakesmsc", kannel), ("smtp (aiosmtpd)", smtp)):
        wall, cpu = run(args.n)
        print(f"{name:<16} {args.n} messages in {wall:.1f} s = {args.n / wall:.0f}/s; "
              f"sender CPU {cpu / args.n * 1000:.1f} ms per message")


if __name__ == "__main__":
    main()
