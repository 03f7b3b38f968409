"""What the request pages and the request API share: rules, labels, access, audit, statuses.

Labels come from the rules in force (a type or status the rules no longer declare
shows its id rather than breaking the page); a refused change maps to one HTTP status
for the pages and the API alike.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from flask import abort, current_app, render_template
from flask_login import current_user
from werkzeug.wrappers import Response

from admin import audit_trail
from admin.db import get_store
from admin.period import PARIS
from admin.published import published_rules
from ivr.requests import lifecycle
from ivr.requests.errors import (
    ForbiddenTransition,
    RequestError,
    StaleVersion,
    UnknownReference,
)
from ivr.rules import Rules
from ivr.store.attachments import attachment_file
from ivr.store.request_views import AttachmentView, RequestView
from ivr.store.requests import Audit, get_request

HTTP_STATUS: dict[type[RequestError], int] = {
    UnknownReference: 404, StaleVersion: 409, ForbiddenTransition: 409,
}


def http_status(exc: RequestError) -> int:
    """404 unknown reference, 409 conflict (stale, forbidden transition), else 400."""
    return next((code for kind, code in HTTP_STATUS.items() if isinstance(exc, kind)), 400)


def rules_in_force() -> Rules:
    """The published rules; without them no request can be read or changed (503)."""
    rules = published_rules()
    if rules is None:
        abort(503)
    return rules


def now() -> datetime:
    return current_app.config["TOWNHALL_CLOCK"].now()


def type_label(rules: Rules, type_id: str) -> str:
    """« Carte nationale d'identité » (the id when the rules no longer declare it)."""
    kind = rules.request_types.get(type_id)
    return kind.label if kind else type_id


def status_label(rules: Rules, type_id: str, status_id: str | None) -> str:
    """« Disponible en mairie »; a dash when there is none."""
    if not status_id:
        return "—"
    try:
        return lifecycle.status(rules, type_id, status_id).label
    except RequestError:
        return status_id


def department_name(rules: Rules, department: str) -> str:
    found = rules.departments.get(department)
    return found.name if found else department


def next_statuses(rules: Rules, view: RequestView) -> list[tuple[str, str]]:
    """(id, label) of the statuses the request may move to now."""
    try:
        current = lifecycle.status(rules, view.type, view.status)
    except RequestError:
        return []
    return [(s, status_label(rules, view.type, s)) for s in current.next]


def all_statuses(rules: Rules) -> dict[str, str]:
    """Every status id of every workflow with its label (for the filters)."""
    found: dict[str, str] = {}
    for flow in rules.request_workflows.values():
        for status_id, status in flow.statuses.items():
            found.setdefault(status_id, status.label)
    return dict(sorted(found.items(), key=lambda item: item[1]))


def may_see(department: str) -> bool:
    """Agents see their own department's requests; other roles see every department."""
    return bool(current_user.sees_all_departments or current_user.department == department)


def check_visible(view: RequestView) -> RequestView:
    """``view`` if the user may see it, else 403."""
    if not may_see(view.department):
        abort(403)
    return view


def read_visible(reference: str) -> RequestView:
    """The request keyed in a URL, if the user may see it (French 400/404 page, or 403)."""
    try:
        view = get_request(get_store(), reference)
    except RequestError as exc:
        code = http_status(exc)
        abort(Response(render_template("error.html", code=code, message=exc.message), code))
    return check_visible(view)


def audited(action: str, user: str | None = None, **detail: Any) -> Audit:
    """An audit hook writing one ``audit_log`` row in the store's own transaction."""
    at, user = now(), user or getattr(current_user, "username", None)

    def write(session: Any, reference: str) -> None:
        audit_trail.add(session, at, user, action, f"demande {reference}", **detail)

    return write


def time_left(view: RequestView, at: datetime) -> str:
    """« En retard de 3 jours », « À rendre aujourd'hui », « Encore 5 jours » (calendar days)."""
    if view.closed_at is not None:
        return "Close"
    if view.clock_stopped_at is not None:
        return "En attente de l’usager (délai suspendu)"
    days = (_day(view.due_at) - _day(at)).days
    if view.is_late(at):
        late = max(1, -days)
        return f"En retard de {late} jour{'s' if late > 1 else ''}"
    if days == 0:
        return "À rendre aujourd’hui"
    return f"Encore {days} jour{'s' if days > 1 else ''}"


def _day(at: datetime) -> date:
    """The town hall's calendar day of ``at`` (naive values are UTC)."""
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(PARIS).date()


def labels(rules: Rules) -> dict[str, Any]:
    """Template helpers bound to the rules in force."""
    return {
        "type_label": lambda t: type_label(rules, t),
        "status_label": lambda t, s: status_label(rules, t, s),
        "department_name": lambda d: department_name(rules, d),
        "time_left": time_left,
    }


def attachment_of(view: RequestView, attachment_id: int) -> tuple[AttachmentView, Path] | None:
    """The file ``attachment_id`` of the request and where it is in the attachment area;
    None when the request has no such file or it is missing (never a path from a URL)."""
    found = next((a for a in view.attachments if a.id == attachment_id), None)
    if found is None:
        return None
    area = current_app.config["TOWNHALL_SETTINGS"].attachments_dir.resolve()
    path = attachment_file(area, found).resolve()
    if not path.is_relative_to(area) or not path.is_file():
        return None
    return found, path
