"""Pydantic models and OpenAPI paths of ``/api/v1/requests`` (citizen requests, issue #12).

Kept beside ``admin.api_models`` (whose ``openapi()`` merges them) so that each file
stays readable; the same ``Strict``/``Text``/``Phone``/``Email`` types apply.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from admin.api_models import Email, Phone, Strict, Text
from admin.db import ID_MAX

Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)]
# JJ/MM/AAAA or AAAA-MM-JJ, read by ``ivr.requests.inputs.parse_date`` (French refusal).
DateText = Annotated[str, StringConstraints(pattern=r"^(\d{4}-\d{2}-\d{2}|\d{2}/\d{2}/\d{4})$")]


class AddressIn(Strict):
    """A postal address (all but ``extra`` required; the postcode's five digits are
    checked by ``ivr.requests.address``, with a French 400)."""

    street: Text = Field(max_length=120)
    extra: Text | None = Field(None, max_length=120)
    postcode: Text = Field(max_length=16)
    city: Text = Field(max_length=80)


class CitizenIn(Strict):
    """The citizen: found by one of these phones or addresses, else created."""

    name: Text | None = Field(None, max_length=100)
    phones: list[Phone] = Field(default_factory=list, max_length=5)
    emails: list[Email] = Field(default_factory=list, max_length=5)
    birth_date: DateText | None = None
    address: AddressIn | None = None  # replaces the one on file


class AddressChange(Strict):
    """The postal address of the request's citizen; ``null`` erases it."""

    address: AddressIn | None


class RequestIn(Strict):
    """A new request of a type declared in the rules."""

    type: Identifier
    channel: Literal["phone", "web", "email", "counter"] = "web"
    department: Identifier | None = None
    subject: Text | None = Field(None, max_length=255)
    description: Text | None = Field(None, max_length=20_000)
    citizen: CitizenIn | None = None


class StatusIn(Strict):
    """A status change: ``status`` is a status id or its French label (« En instruction »);
    ``version`` (as read) refuses it if someone changed the request since."""

    status: Text = Field(min_length=1, max_length=64)
    note: Text | None = Field(None, max_length=5000)
    version: int | None = Field(None, ge=0, le=2**31 - 1)


class RequestQuery(Strict):
    """``GET /requests``: by the citizen's phone or e-mail, else a worklist."""

    phone: Phone | None = None
    email: Email | None = None
    department: Identifier | None = None
    status: Identifier | None = None
    type: Identifier | None = None
    late: bool = False
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000)


class EventOut(BaseModel):
    at: datetime
    actor: str
    kind: str
    from_status: str | None
    to_status: str
    status_label: str
    note: str | None


class AttachmentOut(BaseModel):
    id: int
    filename: str
    size: int
    mime: str
    at: datetime


class AddressOut(BaseModel):
    street: str
    extra: str | None
    postcode: str
    city: str


class RequestOut(BaseModel):
    """A request as the API shows it (labels in French, from the rules)."""

    reference: str
    display_reference: str
    type: str
    type_label: str
    channel: str
    department: str
    agent: str | None
    status: str
    status_label: str
    subject: str | None
    description: str | None
    created_at: datetime
    due_at: datetime
    clock_stopped_at: datetime | None
    closed_at: datetime | None
    late: bool
    version: int
    events: list[EventOut]
    attachments: list[AttachmentOut]
    # complaints and suggestions (référentiel Marianne): receipt acknowledged by then
    acknowledge_due_at: datetime | None = None
    acknowledged_at: datetime | None = None
    answer: str | None = None
    # how its document leaves (courrier, courriel); posted without an address on file:
    # « adresse à compléter » (the address the caller said is in the attachments)
    delivery: str | None = None
    citizen_address: AddressOut | None = None
    address_to_complete: bool = False


class RequestList(BaseModel):
    requests: list[RequestOut]


MODELS = (RequestIn, StatusIn, AddressChange, RequestOut, RequestList)


def request_paths(json: Any, responses: Any) -> dict[str, Any]:
    """The OpenAPI paths of the request routes (``json``/``responses`` from api_models)."""
    reference = {"name": "reference", "in": "path", "required": True,
                 "schema": {"type": "string", "minLength": 1, "maxLength": 32}}
    query = [{"name": name, "in": "query", "required": False, "schema": prop}
             for name, prop in RequestQuery.model_json_schema()["properties"].items()]
    return {
        "/requests": {
            "post": {"operationId": "createRequest",
                     "requestBody": {"required": True, "content": json("RequestIn")},
                     "responses": responses(("201", "Created", "RequestOut"), 400, 401, 422)},
            "get": {"operationId": "listRequests", "parameters": query,
                    "responses": responses(("200", "Requests", "RequestList"), 400, 401, 422)},
        },
        "/requests/{reference}": {
            "get": {"operationId": "getRequest", "parameters": [reference],
                    "responses": responses(("200", "Request", "RequestOut"), 400, 401, 404)},
        },
        "/requests/{reference}/attachments/{attachment_id}": {
            "get": {"operationId": "getRequestAttachment",
                    "parameters": [reference, {"name": "attachment_id", "in": "path",
                                               "required": True, "schema": {
                                                   "type": "integer", "minimum": 1,
                                                   "maximum": ID_MAX}}],
                    "responses": {"200": {"description": "The file, with its MIME type",
                                          "content": {"*/*": {"schema": {
                                              "type": "string", "format": "binary"}}}},
                                  **responses(None, 400, 401, 404)}},
        },
        "/requests/{reference}/address": {
            "put": {"operationId": "setRequestAddress", "parameters": [reference],
                    "requestBody": {"required": True, "content": json("AddressChange")},
                    "responses": responses(("200", "Changed", "RequestOut"),
                                           400, 401, 404, 409, 422)},
        },
        "/requests/{reference}/status": {
            "post": {"operationId": "changeRequestStatus", "parameters": [reference],
                     "requestBody": {"required": True, "content": json("StatusIn")},
                     "responses": responses(("200", "Changed", "RequestOut"),
                                            400, 401, 404, 409, 422)},
        },
    }
