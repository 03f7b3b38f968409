"""Queue facts for the request store, from app_queue's AMI events.

Once the IVR hands a call to a department queue, Asterisk alone knows how long the
citizen waited, which agent answered and for how long they talked. AMI reports it
under the channel's unique id, which is the ARI channel id the contact is keyed by.
"""

from __future__ import annotations

from collections.abc import Callable

from ivr.domain.outcomes import ContactOutcome
from ivr.flow import commands as c
from ivr.store.seqs import fact_seq
from ivr.telephony.queue_events import (
    AgentCompleted,
    AgentConnected,
    CallEnded,
    CallerAbandoned,
    CallerJoined,
    CallerLeft,
    QueueEvent,
    VoicemailEnded,
)

Fact = tuple[str, c.StoreCommand]  # (call id, what to record)


def agent_name(member: str) -> str:
    """``PJSIP/agent-etat-civil-1`` → ``agent-etat-civil-1`` (the rules' agent id)."""
    return member.split("/", 1)[-1]


class QueueFacts:
    """Turns queue events into store commands (``ivr.telephony.call.record`` writes them).

    AMI also reports ``QueueCallerLeave`` for calls answered or abandoned (before or
    after the abandon event): only a call that left without either overflowed. A fact
    that names no call is dropped: stored, it would be a contact of its own (and every
    such op failed its whole batch in the writer: the load benchmark's IVR fell behind).
    """

    def __init__(self, record: Callable[[str, c.StoreCommand, int | None], None]) -> None:
        """``record(call id, command, seq)``: the seq is ``fact_seq`` of Asterisk's
        timestamp (None when the event has none: the writer's own)."""
        self.record = record
        self.talking: set[str] = set()
        self.abandoned: set[str] = set()
        self.callers: dict[str, str] = {}  # agent's channel → caller's, while they talk

    def __call__(self, event: QueueEvent) -> None:
        for position, (call_id, command) in enumerate(self.facts(event)):
            if call_id:
                seq = None if event.stamp is None else fact_seq(event.stamp, position)
                self.record(call_id, command, seq)

    def learn(self, event: QueueEvent) -> None:
        """Follow ``event``'s call (who talks, who abandoned) without recording it: a
        peer already did (``ivr.telephony.fact_gate``)."""
        self.facts(event)

    def facts(self, ev: QueueEvent) -> list[Fact]:
        """The store commands one event stands for (empty for agent-state events)."""
        match ev:
            case CallerJoined():
                return [(ev.uniqueid, c.ContactEvent(ev.at, "queue_join", {
                            "queue": ev.queue, "position": ev.position})),
                        (ev.uniqueid, c.UpdateContact(at=ev.at, queue=ev.queue))]
            case AgentConnected():
                self.talking.add(ev.uniqueid)
                if ev.agent_channel:
                    self.callers[ev.agent_channel] = ev.uniqueid
                agent = agent_name(ev.member)
                return [(ev.uniqueid, c.ContactEvent(ev.at, "agent_connect", {"agent": agent})),
                        (ev.uniqueid, c.UpdateContact(
                            at=ev.at, answered_at=ev.at, wait_seconds=float(ev.hold_seconds),
                            agent=agent, outcome=ContactOutcome.ANSWERED))]
            case AgentCompleted():
                call_id = self.callers.pop(ev.agent_channel, "") or ev.uniqueid
                self.talking.discard(call_id)
                return [(call_id, c.FinishContact(
                    at=ev.at, outcome=ContactOutcome.ANSWERED,
                    talk_seconds=float(ev.talk_seconds), wait_seconds=float(ev.hold_seconds),
                    agent=agent_name(ev.member), hangup_stage=f"talk:{ev.reason}"))]
            case CallerAbandoned():
                self.abandoned.add(ev.uniqueid)
                return [(ev.uniqueid, c.FinishContact(
                    at=ev.at, outcome=ContactOutcome.ABANDONED_QUEUE,
                    wait_seconds=float(ev.hold_seconds), hangup_stage=f"queue:{ev.queue}"))]
            case CallerLeft():
                return self._left(ev)
            case VoicemailEnded():
                return [(ev.uniqueid, c.ContactEvent(ev.at, "voicemail_end", {
                            "box": ev.queue, "status": ev.status})),
                        (ev.uniqueid, c.FinishContact(
                            at=ev.at, outcome=ContactOutcome.VOICEMAIL,
                            hangup_stage=f"voicemail:{ev.queue}"))]
            case CallEnded():  # ends only a contact nothing else ended (apply's "close")
                return [(ev.uniqueid, c.CloseContact(
                    at=ev.at, outcome=ContactOutcome.ABANDONED_QUEUE,
                    hangup_stage=f"handoff:{ev.queue}"))]
        return []

    def _left(self, ev: CallerLeft) -> list[Fact]:
        if ev.uniqueid in self.talking:
            return []
        if ev.uniqueid in self.abandoned:
            self.abandoned.discard(ev.uniqueid)
            return []
        # A call left a queue without an agent and without hanging up: it overflowed.
        return [(ev.uniqueid, c.ContactEvent(ev.at, "queue_leave", {"queue": ev.queue})),
                (ev.uniqueid, c.UpdateContact(at=ev.at, outcome=ContactOutcome.OVERFLOW))]
