"""Pydantic models and OpenAPI paths of ``/api/v1/subscriptions`` (double opt-in) and of
``/api/v1/sms`` (what Kannel calls: delivery reports and incoming SMS, a secret token in
the query instead of a bearer), merged by ``admin.api_models.openapi``."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from admin.api_models import Email, Phone, Strict, Text
from admin.api_request_models import Identifier


class SubscriptionIn(Strict):
    """A subscription asked on the web site: a phone (code by SMS) or an e-mail (link)."""

    list: Identifier
    wording: Text = Field(min_length=1, max_length=2000)  # the sentence the citizen ticked
    phone: Phone | None = None
    email: Email | None = None


class SubscriptionAsked(Strict):
    channel: Literal["sms", "email"]
    expires_at: datetime


class CodeIn(Strict):
    """The code received by SMS, keyed on the web site."""

    phone: Phone
    code: str = Field(pattern=r"^[0-9]{6}$")


class SubscriptionConfirmed(Strict):
    list: str
    subscribed: bool


MODELS = (SubscriptionIn, SubscriptionAsked, CodeIn, SubscriptionConfirmed)
SMS_SECURITY = {"smsToken": {"type": "apiKey", "in": "query", "name": "token"}}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/Error"}}}}


def _query(*names: str, required: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    # Kannel's words are kept, never refused for their length: longer ones are cut
    kept = {"attempt": 64, "reason": 200, "from": 64, "to": 64, "text": 5000}
    schemas: dict[str, dict[str, Any]] = {
        "id": {"type": "string", "pattern": "^[0-9]{1,9}$"},
        "type": {"type": "string", "pattern": "^[0-9]{1,9}$"},
        **{name: {"type": "string", "description": f"kept up to {size} characters"}
           for name, size in kept.items()}}
    return [{"name": n, "in": "query", "required": n in required, "schema": schemas[n]}
            for n in names]


def message_paths(json: Any, responses: Any) -> dict[str, Any]:
    """The OpenAPI paths of the subscription and SMS routes."""
    too_many = {"429": _error("Too many requests for this address today")}
    kannel: dict[str, Any] = {"security": [{"smsToken": []}]}
    dlr = {**kannel, "parameters": _query("id", "type", "attempt", "reason",
                                          required=("id", "type")),
           "responses": {"204": {"description": "Report recorded"},
                         **responses(None, 400, 401, 404)}}
    incoming = {**kannel, "parameters": _query("from", "to", "text", required=("from",)),
                "responses": {"200": {"description": "SMS recorded (empty answer)"},
                              **responses(None, 400, 401),
                              "503": _error("Rules unavailable")}}
    return {
        "/subscriptions": {
            "post": {"operationId": "askSubscription",
                     "requestBody": {"required": True, "content": json("SubscriptionIn")},
                     "responses": {**responses(("202", "Confirmation sent", "SubscriptionAsked"),
                                               400, 401, 422), **too_many}},
        },
        "/subscriptions/confirm": {
            "post": {"operationId": "confirmSubscriptionCode",
                     "requestBody": {"required": True, "content": json("CodeIn")},
                     "responses": responses(("200", "Subscribed", "SubscriptionConfirmed"),
                                            400, 401, 404, 422)},
        },
        "/sms/dlr": {"get": {"operationId": "smsDeliveryReport", **dlr},
                     "post": {"operationId": "smsDeliveryReportPost", **dlr}},
        "/sms/incoming": {"get": {"operationId": "smsIncoming", **incoming},
                          "post": {"operationId": "smsIncomingPost", **incoming}},
    }
