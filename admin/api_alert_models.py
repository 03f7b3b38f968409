"""Pydantic models and OpenAPI paths of ``/api/v1/alerts`` (flood alerts, issue #16),
merged into the document by ``admin.api_models.openapi``."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from admin.api_models import Strict, Text


class _Campaign(Strict):
    """What every new campaign says; ``launch`` starts it at once."""

    title: Text = Field(min_length=1, max_length=200)
    mode: Literal["alerte", "information"] = "alerte"
    test_mode: bool = False
    launch: bool = False
    confirm_second: bool = False  # launch even while another campaign runs


class AlertIn(_Campaign):
    """A campaign spoken by the synthetic voice."""

    message_text: Text = Field(min_length=1, max_length=2000)


class AlertUploadIn(_Campaign):
    """The same campaign as ``multipart/form-data`` with a recorded message: ``audio`` is
    a wav, mp3, ogg, flac or m4a file of 180 s at most; the text is then optional (both
    are played when both are sent)."""

    message_text: Text | None = Field(None, max_length=2000)
    audio: bytes | None = None


class LaunchIn(Strict):
    confirm_second: bool = False


class AlertCampaignOut(BaseModel):
    id: int
    title: str
    mode: str
    test_mode: bool
    status: str
    status_label: str
    started_at: str | None
    finished_at: str | None


class AlertPersonOut(BaseModel):
    id: int
    name: str | None
    number: str
    phone: str
    vulnerable: bool
    state: str
    state_label: str | None
    attempts: int
    why: str | None
    next_attempt_at: str | None
    help_at: str | None
    help_reference: str | None
    help_url: str | None


class AlertStatusOut(BaseModel):
    """A campaign's live status: counts per state, then who asked for help, who failed
    and who is pending (at most 200 of each; the report has everyone)."""

    campaign: AlertCampaignOut
    total: int
    reached: int
    counts: dict[str, int]
    help: list[AlertPersonOut]
    failed: list[AlertPersonOut]
    pending: list[AlertPersonOut]


MODELS = (AlertIn, AlertUploadIn, LaunchIn, AlertStatusOut)


def alert_paths(json: Any, responses: Any) -> dict[str, Any]:
    """The OpenAPI paths of the alert routes (``json``/``responses`` from api_models)."""
    campaign_id = {"name": "campaign_id", "in": "path", "required": True,
                   "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}}
    return {
        "/alerts": {
            "post": {"operationId": "createAlert",
                     "requestBody": {"required": True, "content": {
                         **json("AlertIn"), "multipart/form-data": {
                             "schema": {"$ref": "#/components/schemas/AlertUploadIn"},
                             "encoding": {"audio": {"contentType": "audio/*"}}}}},
                     "responses": responses(("201", "Created", "AlertStatusOut"),
                                            400, 401, 409, 422)},
        },
        "/alerts/{campaign_id}": {
            "get": {"operationId": "getAlert", "parameters": [campaign_id],
                    "responses": responses(("200", "Status", "AlertStatusOut"), 401, 404)},
        },
        "/alerts/{campaign_id}/launch": {
            "post": {"operationId": "launchAlert", "parameters": [campaign_id],
                     "requestBody": {"required": False, "content": json("LaunchIn")},
                     "responses": responses(("200", "Launched", "AlertStatusOut"),
                                            400, 401, 404, 409, 422)},
        },
    }
