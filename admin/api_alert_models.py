"""Pydantic models and OpenAPI paths of ``/api/v1/alerts`` (flood alerts, issue #16),
merged into the document by ``admin.api_models.openapi``."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from admin.api_models import Strict, Text


class AlertIn(Strict):
    """A campaign spoken by the synthetic voice; ``launch`` starts it at once."""

    title: Text = Field(min_length=1, max_length=200)
    message_text: Text = Field(min_length=1, max_length=2000)
    mode: Literal["alerte", "information"] = "alerte"
    test_mode: bool = False
    launch: bool = False
    confirm_second: bool = False  # launch even while another campaign runs


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


MODELS = (AlertIn, LaunchIn, AlertStatusOut)


def alert_paths(json: Any, responses: Any) -> dict[str, Any]:
    """The OpenAPI paths of the alert routes (``json``/``responses`` from api_models)."""
    campaign_id = {"name": "campaign_id", "in": "path", "required": True,
                   "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}}
    return {
        "/alerts": {
            "post": {"operationId": "createAlert",
                     "requestBody": {"required": True, "content": json("AlertIn")},
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
