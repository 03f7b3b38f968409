"""Shared security extensions: CSRF protection for every form, login rate limiting.

They are created once here so that views can decorate themselves at import time;
``create_app`` binds them to each application (the limiter's in-memory storage is
rebuilt per application, which keeps tests independent).
"""

from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
# In-memory counters are enough for one admin process behind waitress.
limiter = Limiter(key_func=get_remote_address, storage_uri="memory://")
