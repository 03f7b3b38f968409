"""``/api/v1/alerts``: create and launch a flood-alert campaign, read its live status.

Same bearer tokens and JSON errors as ``admin.api``; scopes ``alerts:launch`` (create,
launch) and ``alerts:read``. A launch while another campaign runs is a 409 unless the
body confirms it (``confirm_second``); the campaign then stays prepared.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request
from flask.typing import ResponseReturnValue

from admin.alert_status import status_json
from admin.api import error_response, token_required
from admin.api_alert_models import AlertIn, AlertStatusOut, LaunchIn
from admin.api_requests import _actor, _body
from admin.db import get_store
from admin.request_common import now, rules_in_force
from admin.security import csrf
from ivr.store import alert_launch, alert_reports

bp = Blueprint("api_alerts", __name__, url_prefix="/api/v1/alerts")
csrf.exempt(bp)


def _status(campaign_id: int, code: int = 200) -> ResponseReturnValue:
    live = alert_reports.live_status(get_store(), campaign_id)
    if live is None:
        return error_response(404, f"aucune campagne n° {campaign_id}")
    body = AlertStatusOut.model_validate(status_json(live)).model_dump(mode="json")
    return jsonify(body), code


def _launch(campaign_id: int, confirm_second: bool) -> ResponseReturnValue | None:
    """Launch; the 409 answer when refused (None when launched)."""
    try:
        alert_launch.launch(get_store(), campaign_id, actor=_actor(),
                            confirm_second=confirm_second, at=now())
    except alert_launch.LaunchRefused as exc:
        return error_response(409, exc.message, {"campaign_id": campaign_id,
                                                 "code": exc.code})
    return None


@bp.route("", methods=["POST"])
@token_required(scope="alerts:launch")
def create_alert() -> ResponseReturnValue:
    """Prepare a campaign spoken by the synthetic voice, and launch it if asked."""
    data = _body(AlertIn)
    if isinstance(data, Response):
        return data
    draft = alert_launch.Draft(data.title.strip(), data.mode, data.message_text.strip(), None,
                               data.test_mode)
    try:
        campaign_id = alert_launch.prepare(get_store(), rules_in_force().alerts, draft,
                                           actor=_actor(), via="api", at=now())
    except alert_launch.LaunchRefused as exc:
        return error_response(422, exc.message)
    if data.launch:
        refused = _launch(campaign_id, data.confirm_second)
        if refused is not None:
            return refused
    return _status(campaign_id, 201)


@bp.route("/<id:campaign_id>/launch", methods=["POST"])
@token_required(scope="alerts:launch")
def launch_alert(campaign_id: int) -> ResponseReturnValue:
    """Launch a prepared campaign."""
    if alert_reports.campaign_view(get_store(), campaign_id) is None:
        return error_response(404, f"aucune campagne n° {campaign_id}")
    data = _body(LaunchIn) if request.content_length else LaunchIn()
    if isinstance(data, Response):
        return data
    return _launch(campaign_id, data.confirm_second) or _status(campaign_id)


@bp.route("/<id:campaign_id>")
@token_required(scope="alerts:read")
def get_alert(campaign_id: int) -> ResponseReturnValue:
    """A campaign's live status."""
    return _status(campaign_id)
