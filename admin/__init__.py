"""The town hall's web administration (French UI), built like Flask's flaskr.

``create_app()`` wires one blueprint per area; every view is authenticated and
role-checked (``admin.auth.role_required``), and each request gets its own store
session, closed at teardown.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from flask import Flask

from ivr.settings import Settings

IDLE_TIMEOUT = timedelta(minutes=30)


def create_app(
    settings: Settings | None = None, test_config: Mapping[str, Any] | None = None
) -> Flask:
    """Build the admin application for one townhall-ivr instance."""
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config.from_mapping(
        SECRET_KEY=settings.secret("admin_secret_key"),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.admin_secure_cookies,
        PERMANENT_SESSION_LIFETIME=IDLE_TIMEOUT,
        IDLE_TIMEOUT=IDLE_TIMEOUT,
        LOGIN_RATE_LIMIT="10 per minute",
        SERVICE_LEVEL_SECONDS=60,
        PAGE_SIZE=50,
        TOWNHALL_SETTINGS=settings,
        TOWNHALL_CLOCK=settings.clock,
        PROMPTS_DIR=settings.prompts_dir,
        MAX_CONTENT_LENGTH=16 * 1024 * 1024,  # uploaded recordings
        QUEUES_REFRESH_SECONDS=5,
    )
    if test_config:
        app.config.from_mapping(test_config)
    app.config.setdefault("AMI_ENABLED", not app.testing)
    _init_extensions(app)
    _register_blueprints(app)
    return app


def _init_extensions(app: Flask) -> None:
    """Attach the store, login manager, CSRF protection, rate limiter, AMI listener and
    the rules page's code editor."""
    from admin import auth, code_editor, db, errors, live_queues, security, templating
    from admin.security import csrf, limiter

    security.init_app(app, app.config["TOWNHALL_SETTINGS"].admin_trusted_proxies)
    db.init_app(app)
    auth.init_app(app)
    csrf.init_app(app)
    # login attempts counted in the store: shared by every admin thread and process
    app.config.setdefault("RATELIMIT_STORAGE_URI", "townhall-store://")
    app.config["RATELIMIT_STORAGE_OPTIONS"] = {"store": app.extensions["townhall_store"]}
    limiter.init_app(app)
    templating.init_app(app)
    errors.init_app(app)
    live_queues.init_app(app)
    code_editor.init_app(app)


def _register_blueprints(app: Flask) -> None:
    """One blueprint per area of the admin, plus the JSON API."""
    from admin import (
        api,
        api_alerts,
        api_appointments,
        api_messages,
        api_requests,
        api_subscriptions,
        auth,
    )
    from admin.views import (
        agenda,
        alerts,
        audit,
        callbacks,
        contacts,
        desk,
        indicators,
        marianne,
        message_templates,
        messages,
        prompts,
        queues,
        reception,
        request_intake,
        requests,
        rules,
        security,
        subscriptions,
        users,
    )

    for module in (auth, indicators, marianne, contacts, requests, request_intake, agenda, rules,
                   prompts, queues, callbacks, messages, users, audit, reception, desk,
                   message_templates, subscriptions, security, alerts):
        app.register_blueprint(module.bp)
    for api_module in (api, api_requests, api_appointments, api_messages, api_subscriptions,
                       api_alerts):
        app.register_blueprint(api_module.bp)
