"""« Send to a list » on SQLite and PostgreSQL: paced a slice a minute, each subscriber
once, a double submit refused, an unsubscription meanwhile honoured, quiet at night."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from ivr.requests.errors import InvalidInput
from ivr.store import broadcasts
from ivr.store.citizens import ensure_citizen
from ivr.store.db import Store
from ivr.store.message_chores import queue_due
from ivr.store.models import Message
from ivr.store.subscriptions import set_subscription
from tests.fixtures.requests import RULES

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # 10:00 in Paris


def _subscribers(store: Store, count: int) -> list[int]:
    ids = []
    for n in range(count):
        citizen = ensure_citizen(store, phones=[f"+336123400{n:02d}"]).id
        set_subscription(store, citizen, "bulletin", subscribed=True, at=NOW, channel="web",
                         wording="Je souhaite recevoir le bulletin municipal.")
        ids.append(citizen)
    return ids


def _start(store: Store, key: str = "k1", per_minute: int = 2) -> int:
    return broadcasts.start(store, key=key, list_name="bulletin", subject="Bulletin de décembre",
                            body="Le marché de Noël ouvre samedi.", per_minute=per_minute,
                            actor="agent1", at=NOW)


def test_paced_once_each_with_progress(store: Store) -> None:
    ids = _subscribers(store, 5)
    broadcast = _start(store)
    with pytest.raises(broadcasts.AlreadyStarted):
        _start(store)  # the same form submitted again
    set_subscription(store, ids[4], "bulletin", subscribed=False, at=NOW, channel="sms",
                     wording="STOP")
    assert [queue_due(store, RULES, NOW + timedelta(minutes=m)) for m in range(4)] == [2, 2, 0, 0]
    shown = broadcasts.progress(store, broadcast)
    assert (shown.total, shown.queued, shown.state, shown.by_state) == \
        (5, 4, "terminee", {"pending": 4})
    with store.session() as session:
        sent = list(session.scalars(select(Message).order_by(Message.id)))
    assert sorted(m.citizen_id for m in sent) == ids[:4]
    assert {(m.channel, m.body, m.purpose) for m in sent} == \
        {("sms", "Le marché de Noël ouvre samedi.", "liste:bulletin")}


def test_nothing_at_night_and_bad_input(store: Store) -> None:
    _subscribers(store, 1)
    _start(store)
    assert queue_due(store, RULES, NOW.replace(hour=21)) == 0
    assert queue_due(store, RULES, NOW) == 1
    with pytest.raises(InvalidInput, match="rythme"):
        _start(store, key="k2", per_minute=0)
    with pytest.raises(InvalidInput, match="Liste inconnue"):
        broadcasts.start(store, key="k3", list_name="nope", subject="s", body="b",
                         per_minute=5, actor="a", at=NOW)
