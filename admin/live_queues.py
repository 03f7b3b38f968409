"""The admin's own AMI connection: live queues (waiting callers, agents) and pauses.

The ``AmiListener`` runs on its own threads for the whole life of the admin process
(started by ``init_app`` unless ``AMI_ENABLED`` is false, as in unit tests). Queue
views carry only the waiting channels; the time each caller joined is kept here from
the events. Callers already waiting when the admin connected have no known join time.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from flask import Flask, current_app

from admin.desk import DeskBroker
from ivr.telephony.ami import AmiListener
from ivr.telephony.queue_events import (
    INVALID,
    UNAVAILABLE,
    AgentRinging,
    CallerAbandoned,
    CallerJoined,
    CallerLeft,
    MemberState,
    QueueEvent,
    QueueView,
)

log = logging.getLogger(__name__)

AGENT_STATES = {
    "available": "Disponible",
    "in_call": "En communication",
    "paused": "En pause",
    "unavailable": "Indisponible",
}
# Asterisk device states meaning the phone is busy: in use, busy, ringing, ring+in use, on hold.
_BUSY = frozenset({2, 3, 6, 7, 8})


class Listener(Protocol):
    """What the admin needs from ``AmiListener`` (a fake in tests)."""

    def wait_connected(self, timeout: float) -> bool: ...
    def views(self) -> dict[str, QueueView]: ...
    def pause(self, queue: str, member: str, paused: bool = True, reason: str = "") -> None: ...
    def stop(self) -> None: ...


@dataclass(frozen=True)
class Waiting:
    """One caller waiting in a queue."""

    uniqueid: str
    caller: str
    joined_at: datetime | None


def agent_state(member: MemberState) -> str:
    """available / in_call / paused / unavailable (keys of ``AGENT_STATES``)."""
    if member.status in (INVALID, UNAVAILABLE):
        return "unavailable"
    if member.paused:
        return "paused"
    if member.in_call or member.status in _BUSY:
        return "in_call"
    return "available"


class LiveQueues:
    """Queue views from the listener, plus each waiting caller's number and join time."""

    def __init__(self, listener: Listener | None = None) -> None:
        self.listener = listener
        self.desks = DeskBroker()
        self._joined: dict[str, tuple[str, datetime]] = {}
        self._lock = threading.Lock()

    def on_event(self, event: QueueEvent) -> None:
        """Called on pyst2's reader thread for every queue event."""
        if isinstance(event, AgentRinging):
            self.desks.publish(event)
        with self._lock:
            if isinstance(event, CallerJoined):
                self._joined[event.uniqueid] = (event.caller, event.at)
            elif isinstance(event, CallerLeft | CallerAbandoned):
                self._joined.pop(event.uniqueid, None)

    def views(self) -> dict[str, QueueView] | None:
        """Every queue's view; None when AMI is off or not connected."""
        if self.listener is None or not self.listener.wait_connected(0):
            return None
        return self.listener.views()

    def waiting(self, view: QueueView) -> list[Waiting]:
        """The callers of ``view`` in queue order, with what the events told us."""
        with self._lock:
            known = {uid: self._joined.get(uid) for uid in view.waiting}
        return [
            Waiting(uid, info[0] if info else "", info[1] if info else None)
            for uid, info in known.items()
        ]


def init_app(app: Flask) -> None:
    """Give the app its live queues; start an AMI listener when ``AMI_ENABLED``."""
    live = LiveQueues(app.config.get("AMI_LISTENER"))
    if live.listener is None and app.config["AMI_ENABLED"]:
        listener = AmiListener(app.config["TOWNHALL_SETTINGS"], on_event=live.on_event)
        listener.start()
        live.listener = listener
        log.info("admin ami listener started")
    app.extensions["townhall_live_queues"] = live


def stop_listener(app: Flask) -> None:
    """Stop the AMI listener ``init_app`` started (it would otherwise retry for ever)."""
    listener = app.extensions["townhall_live_queues"].listener
    if listener is not None:
        listener.stop()


def get_live() -> LiveQueues:
    """The application's live queues."""
    return current_app.extensions["townhall_live_queues"]
