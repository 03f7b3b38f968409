"""``/api/v1/alerts``: create and launch a flood-alert campaign, read its live status.

Same bearer tokens and JSON errors as ``admin.api``; scopes ``alerts:launch`` (create,
launch) and ``alerts:read``. A campaign is created from JSON (a text spoken by the
synthetic voice) or from ``multipart/form-data`` with a recorded message (``audio``),
probed like the admin's uploads before anything is decoded. A launch while another
campaign runs is a 409 unless the body confirms it (``confirm_second``); the campaign
then stays prepared.
"""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from pydantic import ValidationError

from admin.alert_status import status_json
from admin.api import error_response, invalid, token_required
from admin.api_alert_models import AlertIn, AlertStatusOut, AlertUploadIn, LaunchIn
from admin.api_requests import _actor, _body
from admin.db import get_store
from admin.request_common import now, rules_in_force
from admin.security import csrf
from ivr.alerts.adapters.message_audio import install_upload, remove_message
from ivr.audio_files import AudioRefused
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


def _upload() -> AlertUploadIn | Response:
    """The multipart body as ``AlertUploadIn`` (its booleans sent as « true »/« false »),
    or the JSON 422 answer."""
    payload: dict[str, Any] = request.form.to_dict()
    if "audio" in request.files:
        payload["audio"] = request.files["audio"].read()
    try:
        data = AlertUploadIn.model_validate(payload)
    except ValidationError as exc:
        return invalid(exc, "données invalides")
    if not (data.message_text or "").strip() and not data.audio:
        return error_response(422, "écrivez le message (message_text) ou envoyez un "
                                   "enregistrement (audio)")
    return data


def _draft(data: AlertIn | AlertUploadIn) -> alert_launch.Draft | Response:
    """The draft, its recording installed as a sound; a 422 when the file is refused."""
    audio = data.audio if isinstance(data, AlertUploadIn) else None
    sound = None
    if audio:
        try:
            sound = install_upload(io.BytesIO(audio),
                                   current_app.config["TOWNHALL_SETTINGS"].sounds_dir)
        except AudioRefused as exc:
            return error_response(422, f"enregistrement refusé : {exc}")
    return alert_launch.Draft(data.title.strip(), data.mode,
                              (data.message_text or "").strip() or None, sound, data.test_mode)


@bp.route("", methods=["POST"])
@token_required(scope="alerts:launch")
def create_alert() -> ResponseReturnValue:
    """Prepare a campaign (a text, a recording or both), and launch it if asked."""
    data = _upload() if request.mimetype == "multipart/form-data" else _body(AlertIn)
    if isinstance(data, Response):
        return data
    draft = _draft(data)
    if isinstance(draft, Response):
        return draft
    try:
        campaign_id = alert_launch.prepare(get_store(), rules_in_force().alerts, draft,
                                           actor=_actor(), via="api", at=now())
    except alert_launch.LaunchRefused as exc:
        if draft.message_audio:
            remove_message(current_app.config["TOWNHALL_SETTINGS"].sounds_dir,
                           draft.message_audio)
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
