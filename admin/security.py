"""Shared security extensions and checks of every request.

CSRF protection for every form and login rate limiting are created once here so that
views can decorate themselves at import time; ``create_app`` binds them to each
application (the limiter's in-memory storage is rebuilt per application, which keeps
tests independent). ``init_app`` adds what every answer and request needs: security
headers, a bound on JSON nesting before any parser recurses, and the client address
read through a reverse proxy only when the operator says one is trusted.
"""

from __future__ import annotations

from flask import Flask, jsonify, request
from flask.typing import ResponseReturnValue
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

csrf = CSRFProtect()
# In-memory counters are enough for one admin process behind waitress.
limiter = Limiter(key_func=get_remote_address, storage_uri="memory://")

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
            error="invalid JSON", detail=f"nesting deeper than {MAX_JSON_DEPTH} levels"
        )
        response.status_code = 400
        return response
    return None
