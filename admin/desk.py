"""Rings for the agents' desks: the admin's AMI listener publishes each ``AgentRinging``
to the desks open for that agent (server-sent events, ``admin.views.desk``).

A desk is a queue per open page; a page that stopped reading loses its oldest rings
rather than holding memory.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass

from ivr.telephony.queue_events import AgentRinging

BACKLOG = 20  # rings kept for a page that is not reading (a lost connection)


@dataclass(frozen=True)
class Ring:
    """A routed call ringing an agent: what the desk needs to look the caller up."""

    call_id: str
    caller: str
    queue: str


class DeskBroker:
    """Subscriptions of open desks, by agent id (``agent-etat-civil-1``)."""

    def __init__(self) -> None:
        self._desks: dict[str, set[queue.Queue[Ring]]] = {}
        self._lock = threading.Lock()

    def open(self, agent: str) -> queue.Queue[Ring]:
        desk: queue.Queue[Ring] = queue.Queue(BACKLOG)
        with self._lock:
            self._desks.setdefault(agent, set()).add(desk)
        return desk

    def close(self, agent: str, desk: queue.Queue[Ring]) -> None:
        with self._lock:
            self._desks.get(agent, set()).discard(desk)

    def publish(self, event: AgentRinging) -> int:
        """Hand the ring to every desk of the rung agent; how many desks got it."""
        agent = event.member.split("/", 1)[-1]
        ring = Ring(event.uniqueid, event.caller, event.queue)
        with self._lock:
            desks = list(self._desks.get(agent, ()))
        for desk in desks:
            if desk.full():
                desk.get_nowait()
            desk.put_nowait(ring)
        return len(desks)
