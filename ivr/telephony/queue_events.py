"""Queue and agent facts from AMI, as plain dataclasses, and a live view per queue.

Pure code (no socket): ``parse_event`` turns one AMI event's headers into a typed event
and ``QueueBoard.apply`` keeps, per queue, the callers waiting and the members' states,
so the IVR can say "all agents are busy" before sending a caller to a queue.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

# Asterisk device states (AST_DEVICE_*) as QueueMemberStatus reports them
NOT_INUSE, INVALID, UNAVAILABLE = 1, 4, 5


@dataclass(frozen=True)
class QueueEvent:
    """Base of every queue fact: which queue, when we saw it, and when Asterisk stamped
    it (AMI ``Timestamp``, epoch seconds; the same for every listener)."""

    queue: str
    at: datetime
    stamp: float | None = field(default=None, kw_only=True)


@dataclass(frozen=True)
class CallerJoined(QueueEvent):
    uniqueid: str
    caller: str
    position: int


@dataclass(frozen=True)
class CallerLeft(QueueEvent):
    """The caller left the queue (answered, timed out, or gone: see CallerAbandoned)."""

    uniqueid: str


@dataclass(frozen=True)
class CallerAbandoned(QueueEvent):
    uniqueid: str
    position: int
    original_position: int
    hold_seconds: int


@dataclass(frozen=True)
class AgentConnected(QueueEvent):
    uniqueid: str
    member: str
    hold_seconds: int
    ring_seconds: int
    agent_channel: str = ""  # the agent's leg (DestUniqueid), to end a call AMI left unnamed


@dataclass(frozen=True)
class AgentRinging(QueueEvent):
    """The queue rings an agent's phone for a waiting caller (AMI ``AgentCalled``): the
    moment the agent's desk shows who is calling."""

    uniqueid: str
    caller: str
    member: str


@dataclass(frozen=True)
class AgentCompleted(QueueEvent):
    """``uniqueid`` is empty when the caller's channel was gone before Asterisk sent the
    event (seen under load after the caller hung up): ``agent_channel`` still names it."""

    uniqueid: str
    member: str
    hold_seconds: int
    talk_seconds: int
    reason: str
    agent_channel: str = ""


@dataclass(frozen=True)
class VoicemailEnded(QueueEvent):
    """A caller sent to a voicemail box (``queue`` = the department) hung up."""

    uniqueid: str
    status: str  # VMSTATUS: SUCCESS (a message was left), USEREXIT, FAILED, or empty


@dataclass(frozen=True)
class CallEnded(QueueEvent):
    """A call handed to a department (``queue``) hung up, wherever it was by then: the only
    fact left of a caller who hung up between the IVR's hand-off and ``Queue()``."""

    uniqueid: str


@dataclass(frozen=True)
class MemberStatus(QueueEvent):
    """A member's state (also emitted for members found by QueueStatus and QueueMemberAdded)."""

    member: str
    status: int
    paused: bool
    in_call: bool


@dataclass(frozen=True)
class MemberPaused(QueueEvent):
    member: str
    paused: bool
    reason: str


@dataclass(frozen=True)
class MemberRemoved(QueueEvent):
    member: str


def _int(headers: Mapping[str, str], key: str) -> int:
    try:
        return int(headers.get(key, "0"))
    except ValueError:
        return 0


def _member(headers: Mapping[str, str]) -> str:
    # "Interface" in live events, "Location"/"StateInterface" in QueueStatus replies
    return headers.get("Interface") or headers.get("Location") or headers.get("StateInterface", "")


def _status(h: Mapping[str, str], q: str, at: datetime) -> MemberStatus:
    paused, in_call = h.get("Paused") == "1", h.get("InCall") == "1"
    return MemberStatus(q, at, _member(h), _int(h, "Status"), paused, in_call)


def _user_event(h: Mapping[str, str], q: str, at: datetime) -> QueueEvent | None:
    """Our dialplan's UserEvents: the end of a voicemail call, the hang-up of a queued one."""
    match h.get("UserEvent"):
        case "TownhallVoicemailEnd":
            return VoicemailEnded(q, at, h.get("Uniqueid", ""), h.get("Status", ""))
        case "TownhallCallEnd":
            return CallEnded(q, at, h.get("Uniqueid", ""))
    return None


_Builder = Callable[[Mapping[str, str], str, datetime], QueueEvent | None]
_BUILDERS: dict[str, _Builder] = {
    "QueueCallerJoin": lambda h, q, at: CallerJoined(
        q, at, h.get("Uniqueid", ""), h.get("CallerIDNum", ""), _int(h, "Position")
    ),
    "QueueEntry": lambda h, q, at: CallerJoined(
        q, at, h.get("Uniqueid", ""), h.get("CallerIDNum", ""), _int(h, "Position")
    ),
    "QueueCallerLeave": lambda h, q, at: CallerLeft(q, at, h.get("Uniqueid", "")),
    "QueueCallerAbandon": lambda h, q, at: CallerAbandoned(
        q,
        at,
        h.get("Uniqueid", ""),
        _int(h, "Position"),
        _int(h, "OriginalPosition"),
        _int(h, "HoldTime"),
    ),
    "AgentCalled": lambda h, q, at: AgentRinging(
        q, at, h.get("Uniqueid", ""), h.get("CallerIDNum", ""), _member(h)
    ),
    "AgentConnect": lambda h, q, at: AgentConnected(
        q, at, h.get("Uniqueid", ""), _member(h), _int(h, "HoldTime"), _int(h, "RingTime"),
        h.get("DestUniqueid", ""),
    ),
    "AgentComplete": lambda h, q, at: AgentCompleted(
        q,
        at,
        h.get("Uniqueid", ""),
        _member(h),
        _int(h, "HoldTime"),
        _int(h, "TalkTime"),
        h.get("Reason", ""),
        h.get("DestUniqueid", ""),
    ),
    "QueueMemberStatus": _status,
    "QueueMemberAdded": _status,
    "QueueMember": _status,
    "QueueMemberPause": lambda h, q, at: MemberPaused(
        q, at, _member(h), h.get("Paused") == "1", h.get("PausedReason", h.get("Reason", ""))
    ),
    "QueueMemberRemoved": lambda h, q, at: MemberRemoved(q, at, _member(h)),
    "UserEvent": _user_event,
}


def parse_event(headers: Mapping[str, str], at: datetime) -> QueueEvent | None:
    """The typed event for an AMI event's headers, or None if it is not a queue fact."""
    builder = _BUILDERS.get(headers.get("Event", ""))
    queue = headers.get("Queue")
    if builder is None or not queue:
        return None
    event = builder(headers, queue, at)
    stamp = parse_stamp(headers.get("Timestamp"))
    if event is None or stamp is None:
        return event
    return replace(event, stamp=stamp)


def parse_stamp(value: str | None) -> float | None:
    """AMI's ``Timestamp: 1764526974.123456`` (manager.conf ``timestampevents``)."""
    try:
        return float(value) if value else None
    except ValueError:
        return None


@dataclass(frozen=True)
class MemberState:
    status: int = NOT_INUSE
    paused: bool = False
    in_call: bool = False

    @property
    def available(self) -> bool:
        """Could take a call now: logged in, idle, not on a break."""
        return self.status == NOT_INUSE and not self.paused and not self.in_call


@dataclass
class QueueView:
    """What one queue looks like right now."""

    name: str
    waiting: list[str] = field(default_factory=list)
    members: dict[str, MemberState] = field(default_factory=dict)

    @property
    def available_agents(self) -> list[str]:
        return [name for name, state in self.members.items() if state.available]

    @property
    def logged_in_agents(self) -> list[str]:
        gone = (INVALID, UNAVAILABLE)
        return [name for name, state in self.members.items() if state.status not in gone]


class QueueBoard:
    """The live views of all queues, updated by events (not thread-safe: guard it)."""

    def __init__(self) -> None:
        self.queues: dict[str, QueueView] = {}

    def ensure(self, queue: str) -> QueueView:
        """The view of ``queue``, created empty (QueueStatus lists queues without members)."""
        return self.queues.setdefault(queue, QueueView(queue))

    def apply(self, event: QueueEvent) -> None:
        view = self.ensure(event.queue)
        if isinstance(event, CallerJoined) and event.uniqueid not in view.waiting:
            view.waiting.append(event.uniqueid)
        elif isinstance(event, CallerLeft | CallerAbandoned) and event.uniqueid in view.waiting:
            view.waiting.remove(event.uniqueid)
        elif isinstance(event, MemberStatus):
            view.members[event.member] = MemberState(event.status, event.paused, event.in_call)
        elif isinstance(event, MemberPaused):
            state = view.members.get(event.member, MemberState())
            view.members[event.member] = replace(state, paused=event.paused)
        elif isinstance(event, MemberRemoved):
            view.members.pop(event.member, None)
