"""The automatic resend of doubtful SMS: when the gateway counts as empty, and the rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ivr.messages.adapters.kannel import kannel_empty
from ivr.messages.resend import GatewayWatch, ResendPolicy, may_resend

NOW = datetime(2026, 12, 2, 10, tzinfo=UTC)
POLICY = ResendPolicy(wait=timedelta(seconds=60), max_resends=2,
                      probe_every=timedelta(seconds=5))


def test_the_gateway_must_stay_empty_for_the_whole_wait() -> None:
    watch = GatewayWatch(POLICY)
    assert watch.due(NOW)
    watch.observe(True, NOW)
    assert not watch.due(NOW + timedelta(seconds=4)) and watch.due(NOW + timedelta(seconds=5))
    assert watch.cutoff(NOW + timedelta(seconds=59)) is None
    assert watch.cutoff(NOW + timedelta(seconds=60)) == NOW
    watch.observe(False, NOW + timedelta(seconds=61))  # busy again (a restart replays its store)
    assert watch.cutoff(NOW + timedelta(seconds=62)) is None
    watch.observe(True, NOW + timedelta(seconds=70))
    assert watch.cutoff(NOW + timedelta(seconds=129)) is None
    assert watch.cutoff(NOW + timedelta(seconds=130)) == NOW + timedelta(seconds=70)


@pytest.mark.parametrize(("state", "attempt", "reported", "resends", "expected"), [
    ("unknown", NOW, False, 0, True),  # no HTTP answer, nothing since
    ("sent", NOW, False, 1, True),  # accepted, then lost inside Kannel
    ("unknown", NOW, True, 0, False),  # a report came: Kannel has or had it
    ("sent", NOW + timedelta(seconds=1), False, 0, False),  # attempt too recent
    ("unknown", None, False, 0, False),
    ("unknown", NOW, False, 2, False),  # resent enough: an agent decides
    ("delivered", NOW, False, 0, False),
    ("pending", NOW, False, 0, False),
])
def test_may_resend(state: str, attempt: datetime | None, reported: bool, resends: int,
                    expected: bool) -> None:
    assert may_resend(state, attempt, reported, resends, NOW, POLICY) is expected


def test_nothing_is_resent_before_the_gateway_is_back() -> None:
    assert not may_resend("unknown", NOW - timedelta(hours=1), False, 0, None, POLICY)


def status(state: str = "running", sent_queued: int = 0, store: int = 0, box_queue: int = 0,
           smsc: str = "online 12s", smsc_queued: int = 0, boxes: bool = True) -> str:
    """A bearerbox status.xml, trimmed to what is read (shape as Kannel 1.4.5 writes it)."""
    box = (f"<box><type>smsbox</type><id></id><queue>{box_queue}</queue>"
           "<status>on-line 0d 0h 0m 1s</status></box>") if boxes else ""
    return (f"<?xml version=\"1.0\"?><gateway><status>{state}, uptime 0d 0h 0m 1s</status>"
            f"<sms><received><total>0</total><queued>0</queued></received>"
            f"<sent><total>9</total><queued>{sent_queued}</queued></sent>"
            f"<storesize>{store}</storesize></sms>"
            f"<dlr><queued>3</queued></dlr><boxes>{box}</boxes>"
            f"<smscs><count>1</count><smsc><id>fake</id><status>{smsc}</status>"
            f"<failed>0</failed><queued>{smsc_queued}</queued></smsc></smscs></gateway>")


@pytest.mark.parametrize(("xml", "empty"), [
    (status(), True),  # DLR storage entries (3) are messages passed on: still empty
    (status(store=-1), True),  # no store file configured
    (status(state="suspended"), False),
    (status(sent_queued=1), False),
    (status(store=4), False),  # accepted messages waiting, replayed after a restart
    (status(box_queue=2), False),  # reports waiting for the smsbox
    (status(smsc="re-connecting"), False),
    (status(smsc_queued=1), False),
    (status(boxes=False), False),
    ("<html>502 Bad Gateway</html>", False),
    ("not xml <", False),
])
def test_kannel_empty(xml: str, empty: bool) -> None:
    assert kannel_empty(xml) is empty
