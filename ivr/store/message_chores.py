"""What the messages sender does by the clock, once a minute: queue appointment
reminders, callback notices and the next slice of each « send to a list », and flag the
SMS whose delivery report never came (for an agent to check)."""

from __future__ import annotations

from datetime import datetime

from ivr.rules import Rules
from ivr.store import messages as outbox
from ivr.store.broadcasts import queue_broadcasts
from ivr.store.db import Store
from ivr.store.notifications import queue_callback_notices, queue_reminders


def queue_due(store: Store, rules: Rules, now: datetime) -> int:
    """Queue everything due at ``now``; how many messages."""
    with store.session() as session:
        outbox.flag_unreported(session, now)
        return (queue_reminders(session, rules, now) + queue_callback_notices(session, rules, now)
                + queue_broadcasts(session, rules, now))
