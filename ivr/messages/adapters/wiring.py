"""Build the sender of one instance from its settings (``townhall-ivr messages run``)."""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta
from urllib.parse import urlencode

from ivr.messages.adapters.kannel import KannelConfig, KannelGateway
from ivr.messages.adapters.sender import Sender, SenderConfig
from ivr.messages.adapters.smtp import SmtpConfig, SmtpGateway
from ivr.messages.resend import ResendPolicy
from ivr.messages.sending import Gateway
from ivr.rules import load_rules
from ivr.settings import Settings
from ivr.store.db import Store
from ivr.store.message_chores import queue_due

SMS_TOKEN = "sms-callback-token"  # the secret in the URLs Kannel calls


def sms_callback_url(settings: Settings, what: str) -> str:
    """The URL Kannel calls for ``dlr`` or ``incoming``, with the secret token."""
    query = urlencode({"token": settings.secret(SMS_TOKEN)})
    return f"{settings.callback_base}/api/v1/sms/{what}?{query}"


def gateways(settings: Settings) -> dict[str, Gateway]:
    """The gateways configured in ``settings`` (none when nothing is set)."""
    found: dict[str, Gateway] = {}
    if settings.kannel_sendsms_url:
        found["sms"] = KannelGateway(KannelConfig(
            settings.kannel_sendsms_url, settings.kannel_user, settings.kannel_password,
            settings.sms_sender, sms_callback_url(settings, "dlr"),
            status_url=settings.kannel_status_url))
    if settings.smtp_host:
        clock = settings.clock
        found["email"] = SmtpGateway(SmtpConfig(
            settings.smtp_host, settings.smtp_port, settings.mail_from, "Mairie",
            settings.mail_reply_to or settings.mail_from, settings.smtp_starttls,
            settings.smtp_user or None, settings.smtp_password or None), clock.now)
    return found


def sender(settings: Settings, store: Store, config: SenderConfig | None = None) -> Sender:
    """A sender named after this host and process; its chore queues reminders and the
    confirmations of callbacks (rules read afresh each time, so an edit applies)."""
    clock = settings.clock

    def chore(now: datetime) -> int:
        return queue_due(store, load_rules(settings.rules_path), now)

    config = config or SenderConfig(
        resend=ResendPolicy(wait=timedelta(seconds=settings.sms_resend_wait)))
    return Sender(store, gateways(settings), f"{socket.gethostname()}:{os.getpid()}",
                  clock.now, config, chore)
