"""One Stasis application's link to Asterisk: ARI REST and the event websocket.

REST goes through ari-client's controller; events are read here from the websocket,
as plain JSON, because ari-client's own listener catches ``ConnectionClosed`` in its
receive loop and then spins without yielding, freezing the event loop when Asterisk
restarts (and plain JSON also spares two pydantic validations per event). The link
reconnects with backoff, and ``on_connect`` runs after each (re)connection.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

import httpx
import websockets
from ari_client.controller import AriClientController

log = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], None]
BACKOFF = (0.2, 0.5, 1.0, 2.0, 5.0)


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
                await self._connect()
                attempt = 0
                await self._serve()
            except asyncio.CancelledError:
                await self.close()
                raise
            except (OSError, httpx.HTTPError, websockets.WebSocketException) as exc:
                log.warning("ARI link down: %s", exc, extra={"app": self.app, "attempt": attempt})
            await self.close()
            await asyncio.sleep(BACKOFF[min(attempt, len(BACKOFF) - 1)])
            attempt += 1

    async def _connect(self) -> None:
        base = f"http://{self.host}:{self.port}/ari"
        self._ari = AriClientController(
            httpx.AsyncClient(base_url=base, auth=(self.user, self.password), timeout=10),
            self.app)
        query = urlencode({"api_key": f"{self.user}:{self.password}", "app": self.app})
        self._ws = await websockets.connect(f"ws://{self.host}:{self.port}/ari/events?{query}")
        log.info("ARI connected", extra={"app": self.app, "port": self.port})
        self.connected.set()
        if self.on_connect is not None:
            await self.on_connect()

    async def _serve(self) -> None:
        """Dispatch events until the websocket closes (then ``run_forever`` reconnects)."""
        async for message in self._ws:
            event = json.loads(message)
            handler = self.handlers.get(event.get("type", ""))
            if handler is not None:
                handler(event)

    async def close(self) -> None:
        if self.connected.is_set() and self.on_disconnect is not None:
            self.on_disconnect()
        self.connected.clear()
        ws, ari, self._ws, self._ari = self._ws, self._ari, None, None
        if ws is not None:
            await ws.close()
        if ari is not None:
            await ari.client.aclose()
