"""The copy of each appointment on the élu's own CalDAV server (Nextcloud, Radicale…).

Bookings never wait on it: a booking, a move or a cancellation marks the row
``pending`` in the same transaction, and ``sync_pending`` (``townhall-ivr
appointments sync``, or the scheduler) pushes or removes the event later, retrying
with a growing delay while the server is away; the admin shows what is pending.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

import caldav
from caldav.lib.error import DAVError, NotFoundError
from requests.exceptions import RequestException

from ivr.appointments.adapters.ical import calendar_document, uid
from ivr.rules import Rules
from ivr.rules.appointments import CalDavTarget
from ivr.store import appointments
from ivr.store.db import Store

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 10
MAX_BACKOFF = timedelta(hours=1)
Secret = Callable[[str], str]  # the password named by ``password_secret``


def _calendar(target: CalDavTarget, secret: Secret) -> caldav.Calendar:
    password = secret(target.password_secret) if target.password_secret else None
    client = caldav.DAVClient(url=target.url, username=target.username, password=password,
                              timeout=TIMEOUT_SECONDS)
    return client.calendar(url=target.url)


def push(rules: Rules, view: appointments.AppointmentView, secret: Secret,
         now: datetime) -> None:
    """Put the appointment's event on its calendar's server, or remove it when cancelled."""
    target = rules.appointments.calendars[view.calendar].caldav
    if target is None:
        return
    calendar = _calendar(target, secret)
    if view.status == "annule":
        with contextlib.suppress(NotFoundError):  # never pushed, or already removed
            calendar.event_by_uid(uid(view.reference)).delete()
        return
    calendar.save_event(calendar_document(rules, view.calendar, [view], now).decode())


def backoff(attempts: int) -> timedelta:
    """1, 2, 4… minutes between attempts, at most an hour."""
    return min(timedelta(minutes=2 ** max(0, attempts - 1)), MAX_BACKOFF)


def sync_pending(store: Store, rules: Rules, secret: Secret, now: datetime,
                 limit: int = 50) -> tuple[int, int]:
    """Push every due pending appointment; (pushed, failed). Failures are kept pending."""
    pushed = failed = 0
    for view in appointments.pending_syncs(store, now, limit):
        try:
            push(rules, view, secret, now)
        except (DAVError, RequestException, OSError, KeyError) as exc:
            failed += 1
            appointments.sync_failed(store, view.reference, f"{type(exc).__name__}: {exc}"[:500],
                                     now, backoff)
            log.warning("caldav push failed", extra={"reference": view.reference,
                                                      "error": str(exc)})
        else:
            pushed += 1
            appointments.sync_done(store, view.reference)
    return pushed, failed
