"""A campaign's live status as JSON: what the live page polls and the API returns."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from admin.period import PARIS
from ivr.alerts.report import STATE_LABELS, phone_text, result_label
from ivr.store.alert_reports import LivePerson, LiveStatus

STATUS_LABELS = {"brouillon": "préparée, pas encore lancée", "en_cours": "en cours",
                 "arretee": "arrêtée", "terminee": "terminée"}


def _time(value: datetime | None) -> str | None:
    return value.astimezone(PARIS).strftime("%d/%m/%Y %H:%M:%S") if value else None


def _person(p: LivePerson, request_url: Callable[[str], str] | None) -> dict[str, Any]:
    why = result_label(p.last_result)
    return {
        "id": p.id, "name": p.name, "number": p.number, "phone": phone_text(p.number),
        "vulnerable": p.vulnerable, "state": p.state, "state_label": STATE_LABELS.get(p.state),
        "attempts": p.attempts, "why": ", ".join(x for x in (why, p.last_reason) if x) or None,
        "next_attempt_at": _time(p.next_attempt_at), "help_at": _time(p.help_requested_at),
        "help_reference": p.help_reference,
        "help_url": request_url(p.help_reference) if request_url and p.help_reference else None,
    }


def status_json(live: LiveStatus, request_url: Callable[[str], str] | None = None
                ) -> dict[str, Any]:
    """Counts by state (every state, zeros too), then the help, failed and pending lists."""
    c = live.campaign
    return {
        "campaign": {"id": c.id, "title": c.title, "mode": c.mode, "test_mode": c.test_mode,
                     "status": c.status, "status_label": STATUS_LABELS.get(c.status, c.status),
                     "started_at": _time(c.started_at), "finished_at": _time(c.finished_at)},
        "total": live.total, "reached": live.reached,
        "counts": {state: live.counts.get(state, 0) for state in STATE_LABELS},
        "help": [_person(p, request_url) for p in live.help],
        "failed": [_person(p, request_url) for p in live.failed],
        "pending": [_person(p, request_url) for p in live.pending],
    }
