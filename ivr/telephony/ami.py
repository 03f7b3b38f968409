"""AMI listener: queue and agent events, a live view per queue, member actions.

pyst2's ``Manager`` runs its own reader and dispatch threads and cannot be reused once
closed, so a supervisor thread builds a fresh one per connection and reconnects with a
backoff when Asterisk restarts. Events reach ``on_event`` (or ``raw``) on pyst2's reader
thread, which also reads the actions' replies: a callback must not send an action, and
an asyncio consumer must hop with ``loop.call_soon_threadsafe``. After each (re)connect
the views are rebuilt from ``QueueStatus``, whose reply pyst2 hands back as one block.
"""

from __future__ import annotations

import copy
import io
import logging
import queue
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from asterisk.manager import Event, Manager, ManagerException, ManagerMsg

from ivr.settings import Settings, connect_host
from ivr.telephony.queue_events import (
    QueueBoard,
    QueueEvent,
    QueueView,
    parse_event,
    parse_stamp,
)

log = logging.getLogger(__name__)

EventCallback = Callable[[QueueEvent], None]


class RawEvents(Protocol):
    """Takes a connection's events as read, unparsed (``ivr.telephony.fact_gate``)."""

    def connected(self) -> None:
        """A new connection is logged in: its first event comes next."""

    def disconnected(self) -> None:
        """The connection is gone: events may be missed until the next one."""

    def admit(self, lines: list[str]) -> None:
        """One event's raw lines, on the reader thread."""

    def review(self) -> None:
        """A few times a second while connected, on the listener's own thread."""


def raw_stamp(lines: list[str]) -> float | None:
    """Asterisk's ``Timestamp`` of a raw event (``timestampevents``, right after its
    first lines), without parsing the rest."""
    for line in lines[:4]:
        if line.startswith("Timestamp:"):
            return parse_stamp(line[10:].strip())
    return None


def raw_event(lines: list[str], now: datetime) -> QueueEvent | None:
    """The queue event of one raw message (None: not one we use)."""
    return parse_event(_headers(ManagerMsg(lines).headers), now)


def _headers(headers: dict[Any, Any]) -> dict[str, str]:
    return {str(k): str(v) for k, v in headers.items()}


class AmiError(RuntimeError):
    """Not connected to AMI, or Asterisk refused an action."""


def reply_blocks(lines: list[str]) -> list[dict[str, str]]:
    """Split a raw multi-message AMI reply into one header dict per message."""
    blocks: list[dict[str, str]] = [{}]
    for line in lines:
        if line in ("\r\n", "\n"):
            blocks.append({})
        elif ":" in line:
            key, value = line.split(":", 1)
            blocks[-1][key.strip()] = value.strip()
    return [block for block in blocks if block]


class BufferedManager(Manager):
    """pyst2's ``Manager`` reading AMI through a buffer.

    pyst2 opens its socket file with ``buffering=0`` and iterates it by line: an
    unbuffered ``readline`` asks the kernel for one byte at a time, so every event cost
    hundreds of ``recv`` calls (the load benchmark measured ~10 ms of CPU per call spent
    there). Wrapping the raw socket file as ``socket.makefile`` does by default keeps
    pyst2's parsing and only changes how bytes arrive; ``send_action`` already flushes.
    It also asks its two ``threading.Event`` flags ``isSet()`` for every line it reads,
    a deprecated alias that issues a (filtered) warning each time: 45 % of its CPU per
    event (98 → 55 µs, 20,000 queued events). And each message went through two more
    threads (reader → parser → dispatcher) before a callback saw it: the thread hops
    cost more CPU than the parsing under load (two IVR processes, 500 calls: 0.6 of
    0.9 s per process). ``_InlineMessages`` parses and dispatches in the reader thread.
    Every IVR process reads every fact. Callbacks must not send actions (their
    replies come through the same thread).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for flag in (self._running, self._connected):
            setattr(flag, "isSet", flag.is_set)  # noqa: B010 (an instance's own alias)
        self._message_queue = _InlineMessages(self)
        self.raw: RawEvents | None = None  # set: events go there unparsed

    def route(self, lines: list[str]) -> None:
        """One message as read: an event to its callbacks, a reply to its waiter."""
        if self.raw is not None and lines[0].startswith("Event:"):
            self.raw.admit(lines)
            return
        message = ManagerMsg(lines)
        if message.has_header("Event"):
            event = Event(message)
            named = self._event_callbacks.get(event.name, [])
            callbacks = named + self._event_callbacks.get("*", [])
            for callback in callbacks:
                try:
                    if callback(event, self):
                        break
                except Exception:  # the reader thread must live on: it reads the replies too
                    log.exception("ami event callback failed", extra={"event": event.name})
        elif message.has_header("Response"):
            self._response_queue.put(message)

    @property
    def _sock(self) -> Any:
        return self.__dict__.get("_buffered_sock")

    @_sock.setter
    def _sock(self, raw: Any) -> None:
        if isinstance(raw, io.RawIOBase):
            raw = io.BufferedRWPair(raw, raw)
        self.__dict__["_buffered_sock"] = raw


class _InlineMessages:
    """Stands for pyst2's message queue: each message read is routed at once by the
    reader thread; only the end of the connection (``None``) reaches pyst2's message
    loop, which then ends the dispatcher and wakes the action waiters as before."""

    def __init__(self, manager: BufferedManager) -> None:
        self._manager = manager
        self._end: queue.Queue[list[str] | None] = queue.Queue()

    def put(self, lines: list[str] | None) -> None:
        if lines:
            self._manager.route(lines)
        else:
            self._end.put(lines)

    def get(self) -> list[str] | None:
        return self._end.get()


def _close(manager: Manager) -> None:
    """Close a pyst2 manager whose socket may already be gone (it then raises)."""
    try:
        manager.close()
    except (ManagerException, OSError, ValueError) as exc:
        log.debug("ami close after connection loss", extra={"error": str(exc)})


class AmiListener:
    """Keeps one AMI connection alive and the queue views current."""

    def __init__(
        self, settings: Settings, on_event: EventCallback | None = None, backoff: float = 0.5,
        *, facts_only: bool = False, raw: RawEvents | None = None,
    ) -> None:
        """``facts_only``: log in as the AMI user that receives the calls' facts only (no
        agent states): ``on_event`` gets them, and the queue views stay empty; ``raw``
        gets them unparsed instead."""
        self.settings = settings
        self.facts_only = facts_only
        self.on_event = on_event
        self.raw = raw
        self.backoff = backoff
        self._board = QueueBoard()
        self._lock = threading.Lock()
        self._action_lock = threading.Lock()
        self._stop = threading.Event()
        self._connected = threading.Event()
        self._manager: Manager | None = None
        self._thread: threading.Thread | None = None
        self._clock = settings.clock

    # --- lifecycle --------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._supervise, name="ami", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def wait_connected(self, timeout: float) -> bool:
        """True once logged in and the views are seeded."""
        return self._connected.wait(timeout)

    def _supervise(self) -> None:
        delay = self.backoff
        while not self._stop.is_set():
            manager = BufferedManager()
            try:
                self._session(manager)
                delay = self.backoff
            except (ManagerException, AmiError, OSError) as exc:
                # AmiError here: Asterisk still booting (QueueStatus not registered yet)
                log.warning("ami connection failed", extra={"error": str(exc), "retry_in": delay})
            finally:
                self._connected.clear()
                self._manager = None
                if self.raw is not None:
                    self.raw.disconnected()
                _close(manager)
            self._stop.wait(delay)
            delay = min(delay * 2, 5.0)

    def _session(self, manager: Manager) -> None:
        manager.connect(connect_host(self.settings.ami_host), self.settings.ami_port)
        user = self.settings.ami_facts_user if self.facts_only else self.settings.ami_user
        if self.raw is not None:
            self.raw.connected()
            manager.raw = self.raw
        else:
            manager.register_event("*", self._dispatch)
        manager.login(user, self.settings.ami_password)
        self._manager = manager
        if not self.facts_only:
            self._seed()
        self._connected.set()
        log.info("ami connected", extra={"port": self.settings.ami_port})
        while manager.connected() and not self._stop.is_set():
            if self.raw is not None:
                self.raw.review()
            self._stop.wait(0.2)
        if not self._stop.is_set():
            log.warning("ami connection lost", extra={"port": self.settings.ami_port})

    def _seed(self) -> None:
        reply = self._send({"Action": "QueueStatus"}, seeding=True)
        board = QueueBoard()
        for headers in reply_blocks(reply.response):
            if headers.get("Event") == "QueueParams":
                board.ensure(headers.get("Queue", ""))
            event = parse_event(headers, self._clock.now())
            if event is not None:
                board.apply(event)
        with self._lock:
            self._board = board
        log.info("ami queue views seeded", extra={"queues": len(board.queues)})

    # --- events -----------------------------------------------------------------
    def _dispatch(self, message: Any, _manager: Manager) -> None:
        event = parse_event(_headers(message.headers), self._clock.now())
        if event is None:
            return
        with self._lock:
            self._board.apply(event)
        if self.on_event is not None:
            try:
                self.on_event(event)
            except Exception:
                log.exception("queue event handler failed", extra={"event": type(event).__name__})

    def views(self) -> dict[str, QueueView]:
        """A snapshot of every queue's view (safe to keep and read)."""
        with self._lock:
            return copy.deepcopy(self._board.queues)

    # --- actions ----------------------------------------------------------------
    def _send(self, action: dict[str, str], seeding: bool = False) -> Any:
        """Send one action; callers wait for the seeded state so no event is lost."""
        manager = self._manager
        ready = seeding or self._connected.is_set()
        if manager is None or not manager.connected() or not ready:
            raise AmiError("not connected to AMI")
        with self._action_lock:
            try:
                reply = manager.send_action(action)
            except ManagerException as exc:  # the socket died under us
                raise AmiError(f"{action['Action']}: {exc}") from exc
        if reply.get_header("Response") == "Error":
            raise AmiError(f"{action['Action']}: {reply.get_header('Message')}")
        return reply

    def pause(self, queue: str, member: str, paused: bool = True, reason: str = "") -> None:
        """Pause (a break) or unpause one member in one queue."""
        action = {"Action": "QueuePause", "Queue": queue, "Interface": member,
                  "Paused": "true" if paused else "false", "Reason": reason}  # fmt: skip
        self._send(action)

    def add_member(self, queue: str, member: str, name: str = "") -> None:
        """Add a member (``PJSIP/<agent id>``) to a queue until the next restart."""
        self._send({"Action": "QueueAdd", "Queue": queue, "Interface": member,
                    "MemberName": name or member.split("/")[-1]})  # fmt: skip

    def remove_member(self, queue: str, member: str) -> None:
        self._send({"Action": "QueueRemove", "Queue": queue, "Interface": member})

    def originate(self, channel: str, application: str, data: str, caller_id: str,
                  timeout_ms: int) -> None:
        """Ring ``channel``; once answered it runs ``application(data)`` (queued, async)."""
        self._send({"Action": "Originate", "Channel": channel, "Application": application,
                    "Data": data, "CallerID": caller_id, "Timeout": str(timeout_ms),
                    "Async": "true"})  # fmt: skip
