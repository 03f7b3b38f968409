"""Queue facts for the request store, from app_queue's AMI events.

Once the IVR hands a call to a department queue, Asterisk alone knows how long the
citizen waited, which agent answered and for how long they talked. AMI reports it
under the channel's unique id, which is the ARI channel id the contact is keyed by.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ivr.telephony.queue_events import (
    AgentCompleted,
    AgentConnected,
    CallerAbandoned,
    CallerJoined,
    CallerLeft,
    QueueEvent,
    VoicemailEnded,
)

# A call left a queue without an agent and without hanging up: it overflowed.
Fact = tuple[str, str, dict[str, Any]]  # (writer method, call id, keyword arguments)


def agent_name(member: str) -> str:
    """``PJSIP/agent-etat-civil-1`` → ``agent-etat-civil-1`` (the rules' agent id)."""
    return member.split("/", 1)[-1]


class QueueFacts:
    """Turns queue events into store writer calls.

    AMI also reports ``QueueCallerLeave`` for calls answered or abandoned (before or
    after the abandon event): only a call that left without either overflowed.
    """

    def __init__(self, record: Callable[[str, str, dict[str, Any]], None]) -> None:
        self.record = record
        self.talking: set[str] = set()
        self.abandoned: set[str] = set()

    def __call__(self, event: QueueEvent) -> None:
        for method, call_id, kwargs in self.facts(event):
            self.record(method, call_id, kwargs)

    def facts(self, ev: QueueEvent) -> list[Fact]:
        """The writer calls one event stands for (empty for agent-state events)."""
        match ev:
            case CallerJoined():
                return [("event", ev.uniqueid, {"kind": "queue_join", "at": ev.at,
                                                 "queue": ev.queue, "position": ev.position}),
                        ("update_contact", ev.uniqueid, {"queue": ev.queue})]
            case AgentConnected():
                self.talking.add(ev.uniqueid)
                return [("event", ev.uniqueid, {"kind": "agent_connect", "at": ev.at,
                                                 "agent": agent_name(ev.member)}),
                        ("update_contact", ev.uniqueid, {
                            "answered_at": ev.at, "wait_seconds": float(ev.hold_seconds),
                            "agent": agent_name(ev.member), "outcome": "answered"})]
            case AgentCompleted():
                self.talking.discard(ev.uniqueid)
                return [("finish_contact", ev.uniqueid, {
                    "ended_at": ev.at, "outcome": "answered",
                    "talk_seconds": float(ev.talk_seconds),
                    "wait_seconds": float(ev.hold_seconds), "agent": agent_name(ev.member),
                    "hangup_stage": f"talk:{ev.reason}"})]
            case CallerAbandoned():
                self.abandoned.add(ev.uniqueid)
                return [("finish_contact", ev.uniqueid, {
                    "ended_at": ev.at, "outcome": "abandoned_queue",
                    "wait_seconds": float(ev.hold_seconds),
                    "hangup_stage": f"queue:{ev.queue}"})]
            case CallerLeft():
                return self._left(ev)
            case VoicemailEnded():
                return [("event", ev.uniqueid, {"kind": "voicemail_end", "at": ev.at,
                                                 "box": ev.queue, "status": ev.status}),
                        ("finish_contact", ev.uniqueid, {
                            "ended_at": ev.at, "outcome": "voicemail",
                            "hangup_stage": f"voicemail:{ev.queue}"})]
        return []

    def _left(self, ev: CallerLeft) -> list[Fact]:
        if ev.uniqueid in self.talking:
            return []
        if ev.uniqueid in self.abandoned:
            self.abandoned.discard(ev.uniqueid)
            return []
        return [("event", ev.uniqueid, {"kind": "queue_leave", "at": ev.at, "queue": ev.queue}),
                ("update_contact", ev.uniqueid, {"outcome": "overflow"})]
