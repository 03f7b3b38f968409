"""Notifications per second through Kannel + fakesmsc and through SMTP, and the
project's CPU per message.

    .venv/bin/python -m bench.messages_bench [-n 1000] [--outage 60]

Each run queues N messages in a fresh SQLite store, then one sender drains them
through the real gateway: Kannel (bearerbox, smsbox, fakesmsc, started here) or an
SMTP server (aiosmtpd in a thread). The rate counts until the last message reached
fakesmsc or the SMTP server; the CPU is the sender thread's own (store, rendering of
the HTTP/SMTP requests), not Kannel's or the SMTP server's.

``--outage S`` runs the issue's outage instead: N SMS leave on the real clock with
their delivery reports (the admin served here), Kannel (smsbox and bearerbox; not the
operator's fakesmsc) is stopped by SIGTERM (``--kill``: SIGKILL) for S seconds once a
fifth of them reached fakesmsc, then started again; it waits until every message is
``delivered`` and at fakesmsc, then prints how many distinct texts arrived, how many
twice, the outbox's states, how many were resent by themselves (after
``--resend-wait`` seconds of Kannel empty; 300 s in production) and how long it took
after Kannel came back.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from admin import create_app
from bench.machine import describe
from ivr.messages.adapters.kannel import KannelConfig, KannelGateway
from ivr.messages.adapters.sender import Sender, SenderConfig
from ivr.messages.adapters.smtp import SmtpConfig, SmtpGateway
from ivr.messages.adapters.wiring import sms_callback_url
from ivr.messages.resend import ResendPolicy
from ivr.messages.sending import Gateway
from ivr.settings import Settings
from ivr.store import messages as outbox
from ivr.store.db import Store
from ivr.store.models import Message
from townhall_support.kannel import PASSWORD, Kannel, running_kannel
from townhall_support.served import served
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


def _reporting_sender(store: Store, box: Kannel, base: str, settings: Settings,
                       wait: float) -> Sender:
    """A sender on the real clock whose delivery reports reach the served admin and
    which resends doubtful SMS after ``wait`` seconds of Kannel empty."""
    settings = settings.with_(public_url=base)
    gateway = KannelGateway(KannelConfig(box.sendsms_url, "townhall", PASSWORD, "Mairie",
                                         sms_callback_url(settings, "dlr"),
                                         status_url=box.status_url))
    config = SenderConfig(resend=ResendPolicy(wait=timedelta(seconds=wait),
                                              probe_every=timedelta(seconds=1)))
    return Sender(store, {"sms": gateway}, "bench", lambda: datetime.now(UTC), config)


def outage(count: int, seconds: float, kill: bool, wait: float) -> None:
    """The burst with Kannel stopped for ``seconds`` in the middle (see the docstring)."""
    # the sender thread still runs when the directory goes: its files may linger
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
        directory = Path(tmp)
        store = _store(directory, "sms", "+33612345678", count)
        settings = Settings.from_env({"TOWNHALL_HOME": tmp,
                                      "TOWNHALL_RULES": str(Path("routing_rules.yaml").absolute())})
        app = create_app(settings, {"TESTING": True, "STORE": store, "AMI_ENABLED": False})
        with served(app, threads=8) as base, \
                running_kannel(directory, "http://127.0.0.1:9/in") as box:
            sender = _reporting_sender(store, box, base, settings, wait)
            threading.Thread(target=asyncio.run, args=(sender.run_forever(0.2),),
                             daemon=True).start()
            started = time.perf_counter()
            eventually(lambda: len(box.received) >= count // 5, 120)
            box.stop_boxes(kill)
            print(f"Kannel {'killed' if kill else 'stopped (SIGTERM)'} after "
                  f"{len(box.received)} SMS received")
            time.sleep(seconds)  # the outage itself
            box.start()
            back = time.perf_counter()

            def states() -> dict[str, int]:
                with store.session() as session:
                    return dict(session.execute(select(Message.state, func.count())
                                                .group_by(Message.state)).tuples().all())

            eventually(lambda: states().get("delivered") == count
                       and len(box.received) >= count, 600)
            done = time.perf_counter()
            with store.session() as session:
                resent = session.scalar(select(func.sum(Message.resends)))
            texts = {sms.text for sms in box.received}
            print(f"outage {seconds:.0f} s: {len(texts)}/{count} distinct SMS at fakesmsc, "
                  f"{len(box.received) - len(texts)} received twice; outbox {states()}; "
                  f"{resent} resent by themselves (wait {wait:.0f} s); all delivered "
                  f"{done - back:.1f} s after Kannel returned ({done - started:.1f} s in all)")
        store.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1000)
    parser.add_argument("--outage", type=float, default=0.0,
                        help="Stop Kannel this many seconds during the burst instead.")
    parser.add_argument("--kill", action="store_true",
                        help="With --outage: SIGKILL smsbox and bearerbox, not SIGTERM.")
    parser.add_argument("--resend-wait", type=float, default=10.0,
                        help="With --outage: seconds of Kannel empty before a resend.")
    args = parser.parse_args()
    print(describe("messages bench"))
    if args.outage:
        outage(args.n, args.outage, args.kill, args.resend_wait)
        return
    for name, run in (("kannel+fakesmsc", kannel), ("smtp (aiosmtpd)", smtp)):
        wall, cpu = run(args.n)
        print(f"{name:<16} {args.n} messages in {wall:.1f} s = {args.n / wall:.0f}/s; "
              f"sender CPU {cpu / args.n * 1000:.1f} ms per message")


if __name__ == "__main__":
    main()
