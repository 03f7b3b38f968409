"""AMI queue events parsed into dataclasses and folded into the live queue views."""

from __future__ import annotations

from datetime import UTC, datetime

from ivr.telephony.ami import reply_blocks
from ivr.telephony.queue_events import (
    AgentCompleted,
    CallerAbandoned,
    QueueBoard,
    parse_event,
)

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _apply(board: QueueBoard, **headers: str) -> None:
    event = parse_event(headers, AT)
    assert event is not None
    board.apply(event)


def test_waiting_callers_and_member_states() -> None:
    board = QueueBoard()
    _apply(board, Event="QueueMemberStatus", Queue="accueil", Interface="PJSIP/a1", Status="1")
    _apply(board, Event="QueueMemberStatus", Queue="accueil", Interface="PJSIP/a2", Status="5")
    _apply(board, Event="QueueCallerJoin", Queue="accueil", Uniqueid="c1", Position="1")
    _apply(board, Event="QueueCallerJoin", Queue="accueil", Uniqueid="c2", Position="2")
    view = board.queues["accueil"]
    assert view.waiting == ["c1", "c2"]
    assert view.available_agents == ["PJSIP/a1"] and view.logged_in_agents == ["PJSIP/a1"]
    _apply(board, Event="QueueMemberPause", Queue="accueil", Interface="PJSIP/a1", Paused="1")
    _apply(board, Event="QueueCallerLeave", Queue="accueil", Uniqueid="c1")
    assert view.available_agents == [] and view.waiting == ["c2"]
    _apply(board, Event="QueueMemberRemoved", Queue="accueil", Interface="PJSIP/a2")
    assert list(view.members) == ["PJSIP/a1"]


def test_typed_fields() -> None:
    abandon = parse_event(
        {"Event": "QueueCallerAbandon", "Queue": "social", "Uniqueid": "c9", "Position": "2",
         "OriginalPosition": "4", "HoldTime": "37"}, AT,
    )  # fmt: skip
    assert abandon == CallerAbandoned("social", AT, "c9", 2, 4, 37)
    complete = parse_event(
        {"Event": "AgentComplete", "Queue": "social", "Uniqueid": "c9", "Interface": "PJSIP/a1",
         "HoldTime": "12", "TalkTime": "95", "Reason": "caller", "DestUniqueid": "a9"}, AT,
    )  # fmt: skip
    assert complete == AgentCompleted("social", AT, "c9", "PJSIP/a1", 12, 95, "caller", "a9")
    assert parse_event({"Event": "Newchannel", "Channel": "PJSIP/x"}, AT) is None


def test_reply_blocks_split_a_queue_status_reply() -> None:
    lines = ["Response: Success\r\n", "Message: Queue status will follow\r\n", "\r\n",
             "Event: QueueParams\r\n", "Queue: accueil\r\n", "\r\n",
             "Event: QueueMember\r\n", "Queue: accueil\r\n", "Location: PJSIP/a1\r\n",
             "Status: 1\r\n", "Paused: 1\r\n", "\r\n"]  # fmt: skip
    blocks = reply_blocks(lines)
    assert [b.get("Event") for b in blocks] == [None, "QueueParams", "QueueMember"]
    board = QueueBoard()
    member = parse_event(blocks[2], AT)
    assert member is not None
    board.apply(member)
    assert board.queues["accueil"].members["PJSIP/a1"].paused
