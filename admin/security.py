"""Shared security extensions and checks of every request.

CSRF protection for every form and login rate limiting are created once here so that
views can decorate themselves at import time; ``create_app`` binds them to each
application. The limiter counts in the store (``StoreStorage``, scheme
``townhall-store://``): every admin thread and process sees the same attempts.
``init_app`` adds what every answer and request needs: security headers, a bound on
JSON nesting before any parser recurses, and the client address read through a
reverse proxy only when the operator says one is trusted.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Flask, jsonify, request
from flask.typing import ResponseReturnValue
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect
from limits.storage import Storage
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from ivr.store import login_limits
from ivr.store.db import Store

csrf = CSRFProtect()
# the storage comes from the application's configuration (RATELIMIT_STORAGE_URI)
limiter = Limiter(key_func=get_remote_address)


class StoreStorage(Storage):
    """``limits``' storage backed by the townhall store (``ivr.store.login_limits``),
    given as the ``store`` storage option; fixed windows only, as the login uses."""

    STORAGE_SCHEME = ["townhall-store"]  # noqa: RUF012 (limits reads it as declared)

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False,
                 **options: Any) -> None:
        super().__init__(uri, wrap_exceptions)
        self.store: Store = options["store"]

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        with self.store.session() as session:
            return login_limits.hit(session, key, expiry, time.time(), amount)

    def get(self, key: str) -> int:
        with self.store.session() as session:
            return login_limits.count(session, key, time.time())

    def get_expiry(self, key: str) -> float:
        with self.store.session() as session:
            return login_limits.expires_at(session, key, time.time())

    def check(self) -> bool:
        try:
            with self.store.session() as session:
                session.execute(select(1))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with self.store.session() as session:
            return login_limits.clear(session)

    def clear(self, key: str) -> None:
        with self.store.session() as session:
            login_limits.clear(session, key)


MAX_JSON_DEPTH = 32
HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; media-src 'self'; object-src 'none'; "
        "style-src 'self' 'unsafe-inline'; "
        "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    ),
}


def init_app(app: Flask, trusted_proxies: int) -> None:
    """Install the headers, the JSON depth guard and, if asked, the proxy's client address."""
    if trusted_proxies:
        # Only X-Forwarded-For/-Proto set by that many proxies are believed; without it,
        # every client behind the proxy would share one address (and one rate limit).
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=trusted_proxies, x_proto=trusted_proxies
        )
    app.before_request(_refuse_deep_json)
    app.after_request(_security_headers)


def _security_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def json_depth(body: bytes) -> int:
    """The deepest nesting of arrays and objects in a JSON text (strings skipped)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def _refuse_deep_json() -> ResponseReturnValue | None:
    """A 400 before the parser recurses into a hostile nesting (RecursionError)."""
    if request.is_json and json_depth(request.get_data(cache=True)) > MAX_JSON_DEPTH:
        response = jsonify(
            error="JSON invalide",
            detail=f"imbrication trop profonde : au plus {MAX_JSON_DEPTH} niveaux"
        )
        response.status_code = 400
        return response
    return None
