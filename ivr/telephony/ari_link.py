"""One Stasis application's link to Asterisk: ARI REST and the event websocket.

Events are read here from the websocket, as plain JSON, because ari-client's own
listener catches ``ConnectionClosed`` in its receive loop and then spins without
yielding, freezing the event loop when Asterisk restarts (and plain JSON also spares
two pydantic validations per event). The link reconnects with backoff, and
``on_connect`` runs after each (re)connection. A handler that raises costs its own call
only: the error is logged with the channel, that channel is hung up, and the reader
goes on serving the other calls.

REST has two paths. ``request`` sends the per-call requests (answer, play, stop,
continue, hang up) over that same websocket ("ARI REST over WebSocket", Asterisk
20.13 / 21.8 / 22.3 and later): the load benchmark measured ~1 ms of CPU per request
in httpx's generic machinery, several per call, against a few tens of µs here.
Asterisk answers a websocket's requests one at a time, so only requests that never
wait on a busy channel go there (a variable set waits for the current playback).
``rest`` is ari-client's controller over HTTP, for the rest (recovery, the speech
bridge's snoops and bridges, callbacks, channel variables), one request per call or
less.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

import httpx
import websockets
from ari_client.controller import AriClientController

log = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], None]
Params = list[tuple[str, str]]
BACKOFF = (0.2, 0.5, 1.0, 2.0, 5.0)
REQUEST_TIMEOUT = 10.0  # seconds, as the HTTP client's


class AriRestError(RuntimeError):
    """Asterisk answered a REST request with an error status (404: the resource is gone)."""

    def __init__(self, status_code: int, method: str, uri: str, body: str) -> None:
        super().__init__(f"{method} {uri}: {status_code} {body}")
        self.status_code = status_code


class AriLink:
    """REST controller + websocket of one application, reconnecting forever."""

    def __init__(self, host: str, port: int, user: str, password: str, app: str,
                 on_connect: Callable[[], Awaitable[None]] | None = None,
                 on_disconnect: Callable[[], None] | None = None) -> None:
        self.host, self.port, self.user, self.password, self.app = host, port, user, password, app
        self.on_connect, self.on_disconnect = on_connect, on_disconnect
        self.handlers: dict[str, Handler] = {}
        self.connected = asyncio.Event()
        self._ari: AriClientController | None = None
        self._ws: Any = None
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._request_ids = itertools.count(1)
        self._reader: asyncio.Task[None] | None = None
        self._hangups: set[asyncio.Task[None]] = set()  # of calls whose handler failed
        self.last_event: float | None = None  # epoch seconds of the last event handled

    @property
    def rest(self) -> AriClientController:
        """The live REST controller (a new one after each reconnection)."""
        if self._ari is None:
            raise ConnectionError(f"ARI application {self.app} is not connected")
        return self._ari

    async def run_forever(self) -> None:
        """Connect, dispatch events, and reconnect with backoff whenever the link drops."""
        attempt = 0
        while True:
            try:
                await self._open()
                self._reader = asyncio.create_task(self._serve())
                await self._ready(self._reader)
                attempt = 0
                await self._reader
            except asyncio.CancelledError:
                await self.close()
                raise
            except (OSError, httpx.HTTPError, websockets.WebSocketException,
                    AriRestError) as exc:
                log.warning("ARI link down: %s", exc, extra={"app": self.app, "attempt": attempt})
            await self.close()
            await asyncio.sleep(BACKOFF[min(attempt, len(BACKOFF) - 1)])
            attempt += 1

    async def request(self, method: str, uri: str, params: Params | None = None) -> Any:
        """One REST request over the event websocket; the decoded JSON body (or None).

        Raises ``AriRestError`` on an error status and ``ConnectionError`` when the link
        is down or drops before the answer.
        """
        request_id, reply = await self._send(method, uri, params)
        return await self._outcome(request_id, reply, method, uri)

    async def submit(self, method: str, uri: str,
                     params: Params | None = None) -> asyncio.Future[Any]:
        """Send one REST request now; its outcome later (``request``'s, as a future).
        Asterisk handles a websocket's requests one at a time in the order sent, so a
        request sent after this one runs after it, without waiting for its answer to
        come back through this process's event loop."""
        request_id, reply = await self._send(method, uri, params)
        return asyncio.ensure_future(self._outcome(request_id, reply, method, uri))

    async def _send(self, method: str, uri: str, params: Params | None,
                    ) -> tuple[str, asyncio.Future[dict[str, Any]]]:
        """Write one request frame; its id and the future its answer will fill."""
        ws = self._ws
        if ws is None:
            raise ConnectionError(f"ARI application {self.app} is not connected")
        request_id = str(next(self._request_ids))
        frame: dict[str, Any] = {"type": "RESTRequest", "request_id": request_id,
                                 "method": method, "uri": uri}
        if params:
            frame["query_strings"] = [{"name": k, "value": v} for k, v in params]
        reply: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = reply
        try:
            await ws.send(json.dumps(frame))
        except websockets.ConnectionClosed as exc:
            self._pending.pop(request_id, None)
            raise ConnectionError(f"ARI link of {self.app} closed") from exc
        return request_id, reply

    async def _outcome(self, request_id: str, reply: asyncio.Future[dict[str, Any]],
                       method: str, uri: str) -> Any:
        try:
            answer = await asyncio.wait_for(reply, REQUEST_TIMEOUT)
        finally:
            self._pending.pop(request_id, None)
        body = answer.get("message_body") or ""
        if answer.get("status_code", 500) >= 400:
            raise AriRestError(answer.get("status_code", 500), method, uri, body)
        return json.loads(body) if body else None

    def _answered(self, answer: dict[str, Any]) -> None:
        reply = self._pending.get(answer.get("request_id", ""))
        if reply is not None and not reply.done():
            reply.set_result(answer)

    async def _open(self) -> None:
        base = f"http://{self.host}:{self.port}/ari"
        self._ari = AriClientController(
            httpx.AsyncClient(base_url=base, auth=(self.user, self.password), timeout=10),
            self.app)
        query = urlencode({"api_key": f"{self.user}:{self.password}", "app": self.app})
        self._ws = await websockets.connect(f"ws://{self.host}:{self.port}/ari/events?{query}")

    async def _ready(self, reader: asyncio.Task[None]) -> None:
        """Check that REST over the websocket answers, then run ``on_connect``.

        The reader already dispatches events meanwhile: ``on_connect`` may make requests.
        """
        ping = asyncio.ensure_future(self.request("GET", "asterisk/ping"))
        await asyncio.wait([ping, reader], return_when=asyncio.FIRST_COMPLETED)
        if not ping.done():  # the websocket closed first
            ping.cancel()
            await reader
            raise ConnectionError("ARI websocket closed during connection")
        try:
            ping.result()
        except TimeoutError as exc:
            raise ConnectionError("Asterisk does not answer ARI REST over the websocket: "
                                  "it needs Asterisk 20.13, 21.8, 22.3 or later") from exc
        await self._filter_events()
        log.info("ARI connected", extra={"app": self.app, "port": self.port})
        self.connected.set()
        if self.on_connect is not None:
            await self.on_connect()

    async def _filter_events(self) -> None:
        """Ask Asterisk to send only the event types we handle.

        Without it every channel state change, variable set and playback start of every
        call is serialised by Asterisk and parsed here only to be dropped. Sent over HTTP:
        on the websocket, Asterisk 22.10 left this request (it has a body) unanswered in
        our tests; an absent ``disallowed`` list is refused as invalid. The filter also
        applies to the answers of websocket requests: ``RESTResponse`` must stay allowed.
        """
        allowed = sorted({*self.handlers, "RESTResponse"})
        await self.rest.set_application_event_filter(allowed=allowed, disallowed=[])

    async def _serve(self) -> None:
        """Dispatch events until the websocket closes (then ``run_forever`` reconnects)."""
        async for message in self._ws:
            event = json.loads(message)
            kind = event.get("type", "")
            if kind == "RESTResponse":
                self._answered(event)
                continue
            handler = self.handlers.get(kind)
            if handler is not None:
                self.last_event = time.time()
                self._dispatch(handler, kind, event)

    def _dispatch(self, handler: Handler, kind: str, event: dict[str, Any]) -> None:
        """Run one handler; a bug in it must not end the reader, which serves every call."""
        try:
            handler(event)
        except Exception:
            channel = channel_of(event)
            log.exception("ARI %s handler failed; hanging the call up", kind,
                          extra={"call": channel, "app": self.app})
            if channel is not None:
                # a task: its answer comes through this reader, which must go on reading
                task = asyncio.get_running_loop().create_task(self._hang_up(channel))
                self._hangups.add(task)
                task.add_done_callback(self._hangups.discard)

    async def _hang_up(self, channel: str) -> None:
        """Hang up a call whose events we could not handle (gone already: fine)."""
        try:
            await self.request("DELETE", f"channels/{channel}")
        except AriRestError as exc:
            if exc.status_code != 404:
                log.warning("hang-up refused: %s", exc, extra={"call": channel})
        except ConnectionError as exc:
            log.warning("hang-up not sent: %s", exc, extra={"call": channel})

    async def close(self) -> None:
        if self.connected.is_set() and self.on_disconnect is not None:
            self.on_disconnect()
        self.connected.clear()
        ws, ari, self._ws, self._ari = self._ws, self._ari, None, None
        reader, self._reader = self._reader, None
        if reader is not None and reader is not asyncio.current_task():
            reader.cancel()
        for reply in self._pending.values():
            if not reply.done():
                reply.set_exception(ConnectionError(f"ARI link of {self.app} closed"))
        if ws is not None:
            await ws.close()
        if ari is not None:
            await ari.client.aclose()


def channel_of(event: dict[str, Any]) -> str | None:
    """The id of the channel an ARI event is about (a playback's target for its events);
    never raises: it runs when a handler already failed on this event."""
    channel = event.get("channel")
    if isinstance(channel, dict) and isinstance(channel.get("id"), str):
        return channel["id"]
    playback = event.get("playback")
    target = playback.get("target_uri") if isinstance(playback, dict) else None
    if isinstance(target, str) and target.startswith("channel:"):
        return target.removeprefix("channel:")
    return None
