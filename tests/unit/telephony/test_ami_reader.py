"""pyst2's reader as the listener runs it: its per-line flag checks cost no warning."""

import warnings

from ivr.telephony.ami import BufferedManager


def test_the_readers_flags_are_checked_without_a_deprecation_warning() -> None:
    manager = BufferedManager()
    manager._running.set()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # isSet() on a plain Event would raise here
        assert manager._running.isSet() and not manager._connected.isSet()
        assert not manager.connected()
    manager._running.clear()  # never started: nothing for close() to stop


class Taken:
    def __init__(self) -> None:
        self.events: list[list[str]] = []

    def connected(self) -> None: ...

    def disconnected(self) -> None: ...

    def admit(self, lines: list[str]) -> None:
        self.events.append(lines)

    def review(self) -> None: ...


EVENT = ["Event: QueueCallerJoin\r\n", "Timestamp: 1800000000.5\r\n", "Queue: social\r\n"]
REPLY = ["Response: Success\r\n", "Message: Authentication accepted\r\n"]


def test_messages_are_routed_by_the_reader_itself_events_raw_when_asked() -> None:
    """No hop through pyst2's parser and dispatcher threads; a raw taker gets events
    unparsed, replies still reach the action that waits for them."""
    manager = BufferedManager()
    taken = Taken()
    manager.raw = taken
    manager._message_queue.put(EVENT)
    manager._message_queue.put(REPLY)
    assert taken.events == [EVENT]
    assert manager._response_queue.get_nowait().get_header("Message") == (
        "Authentication accepted")
    manager._message_queue.put(None)  # the end still reaches pyst2's message loop
    assert manager._message_queue.get() is None


def test_a_failing_event_callback_does_not_stop_the_reader(caplog) -> None:
    manager = BufferedManager()
    seen: list[str] = []

    def broken(event, _manager) -> None:
        raise RuntimeError("boom")

    manager.register_event("*", broken)
    manager.register_event("QueueCallerJoin", lambda event, _m: seen.append(event.name))
    manager._message_queue.put(EVENT)
    manager._message_queue.put(EVENT)
    assert seen == ["QueueCallerJoin"] * 2 and "ami event callback failed" in caplog.text
