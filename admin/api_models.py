"""Pydantic models of the JSON API, and the OpenAPI document generated from them.

The OpenAPI schemas are the models' own JSON schemas, so the document cannot drift
from the validation the views apply.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic.json_schema import models_json_schema

from admin.db import ID_MAX
from ivr.domain.date_bounds import check_date

Target = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=64)]
# Patterns use explicit ASCII ranges: Python's ``\s`` and JSON Schema's (ECMA 262) differ.
Email = Annotated[
    str,
    StringConstraints(pattern=r"^[^@\x00-\x20]+@[^@\x00-\x20]+\.[^@\x00-\x20]+$", max_length=64),
]
# No NUL: PostgreSQL text cannot hold it.
Text = Annotated[str, StringConstraints(pattern=r"^[^\x00]*$")]

# At least four digits (a phone field of only punctuation is no number), whatever the
# separators; the same pattern in the OpenAPI document.
Phone = Annotated[
    str, StringConstraints(pattern=r"^\+?[ .()-]*(?:[0-9][ .()-]*){4,20}$", max_length=32)
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# The "phone or e-mail" rule of ``Caller``, stated in its JSON schema too.
_REACHABLE: dict[str, Any] = {
    "anyOf": [
        {"required": [name], "properties": {name: {"type": "string"}}}
        for name in ("phone", "email")
    ]
}


class Caller(Strict):
    """How to reach the citizen: a phone number or an e-mail address at least."""

    model_config = ConfigDict(json_schema_extra=_REACHABLE)

    name: Text | None = Field(None, max_length=100)
    phone: Phone | None = None
    email: Email | None = None

    @model_validator(mode="after")
    def _reachable(self) -> Caller:
        """A request nobody can answer is refused at the door."""
        if not (self.phone or self.email):
            raise ValueError("give caller.phone or caller.email")
        return self


class ContactIn(Strict):
    """A request that reached the town hall by another channel than the phone."""

    channel: Literal["web", "email", "counter"]
    caller: Caller
    target: Target
    subject: Text = Field(min_length=1, max_length=255)
    body: Text = Field("", max_length=10_000)
    ref: str | None = Field(None, min_length=1, max_length=128, pattern=r"^[\x21-\x7e]+$")


class ContactOut(BaseModel):
    """A contact as the API shows it."""

    id: int
    ref: str | None
    channel: str
    direction: str
    started_at: datetime
    ended_at: datetime | None
    caller: str | None
    target: str | None
    routed_by: str | None
    outcome: str | None
    queue: str | None
    agent: str | None
    subject: str | None
    body: str | None
    transcript: str | None

    @field_validator("started_at", "ended_at")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        """Always UTC on the wire, whichever zone the value was created in."""
        return value.astimezone(UTC) if value else value


class ContactList(BaseModel):
    contacts: list[ContactOut]


def _iso_text(value: object) -> object:
    """Only ISO 8601 text: pydantic would also read ``0.0`` as a Unix timestamp."""
    if isinstance(value, str) and not re.match(r"^\d{4}-\d{2}-\d{2}", value):
        raise ValueError("expected an ISO 8601 date-time with its UTC offset")
    return value


# An ISO date-time with offset, within the dates the town hall's data may carry.
BoundedDatetime = Annotated[
    AwareDatetime, BeforeValidator(_iso_text), AfterValidator(check_date),
    Field(json_schema_extra={"pattern": "^(19|2[01])[0-9]{2}-"}),
]


class ListQuery(Strict):
    """Filters of ``GET /contacts``."""

    since: BoundedDatetime | None = None
    target: Target | None = None
    limit: int = Field(100, ge=1, le=500)


Iso = Annotated[AwareDatetime, BeforeValidator(_iso_text)]


class SlotQuery(Strict):
    """Filters of ``GET /appointments/slots``."""

    calendar: Target
    after: Iso | None = None
    limit: int = Field(10, ge=1, le=50)


class SlotList(BaseModel):
    """Free slots of a calendar, in order (UTC)."""

    calendar: str
    slots: list[datetime]

    @field_validator("slots")
    @classmethod
    def _utc(cls, value: list[datetime]) -> list[datetime]:
        """UTC on the wire, like every instant of the API."""
        return [moment.astimezone(UTC) for moment in value]


class AppointmentIn(Strict):
    """A booking from the web site: a free slot of a calendar, for a citizen."""

    calendar: Target
    motive: Target
    start: Iso
    caller: Caller
    subject: Text | None = Field(None, min_length=1, max_length=255)


class AppointmentOut(BaseModel):
    """An appointment: its reference (10 digits) is the citizen's key to cancel it."""

    reference: str
    calendar: str
    start: datetime
    end: datetime
    motive: str
    status: str
    channel: str

    @field_validator("start", "end")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)


class Error(BaseModel):
    """Every 4xx answer: a short reason and, for validation errors, the faulty fields."""

    error: str
    detail: Any = None


def _responses(ok: tuple[str, str, str] | None, *errors: int) -> dict[str, Any]:
    reasons = {
        400: "Bad request",
        401: "Missing or invalid token",
        404: "Not found",
        409: "Conflict (reference used, request changed, forbidden transition, slot taken)",
        422: "Invalid data",
    }
    out: dict[str, Any] = {}
    if ok:
        code, description, model = ok
        out[code] = {"description": description, "content": _json(model)}
    for status in errors:
        out[str(status)] = {"description": reasons[status], "content": _json("Error")}
    return out


def _json(model: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{model}"}}}


def _query_parameters(model: type[BaseModel] = ListQuery) -> list[dict[str, Any]]:
    """A query model's fields as OpenAPI query parameters."""
    schema = model.model_json_schema()
    required = set(schema.get("required", ()))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": prop}
        for name, prop in schema["properties"].items()
    ]


def openapi(prefix: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``/api/v1``."""
    from admin.api_alert_models import MODELS as ALERT_MODELS
    from admin.api_alert_models import alert_paths
    from admin.api_message_models import MODELS as MESSAGE_MODELS
    from admin.api_message_models import SMS_SECURITY, message_paths
    from admin.api_request_models import MODELS, request_paths

    _, defs = models_json_schema(
        [(m, "validation") for m in (ContactIn, ContactOut, ContactList, Error, SlotList,
                                     AppointmentIn, AppointmentOut, *MODELS, *MESSAGE_MODELS,
                                     *ALERT_MODELS)],
        ref_template="#/components/schemas/{model}",
    )
    return {
        "openapi": "3.1.0",
        "info": {"title": "townhall-ivr", "version": "1", "description": "Contacts de la mairie"},
        "servers": [{"url": prefix}],
        "security": [{"bearer": []}],
        "components": {
            "schemas": defs["$defs"],
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}, **SMS_SECURITY},
        },
        "paths": {**_paths(), **request_paths(_json, _responses),
                  **message_paths(_json, _responses), **alert_paths(_json, _responses)},
    }


def _paths() -> dict[str, Any]:
    """One entry per route of ``admin.api``."""
    contact_id = {
        "name": "contact_id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 1, "maximum": ID_MAX},
    }
    return {
        "/contacts": {
            "post": {
                "operationId": "createContact",
                "requestBody": {"required": True, "content": _json("ContactIn")},
                "responses": _responses(("201", "Created", "ContactOut"), 400, 401, 409, 422),
            },
            "get": {
                "operationId": "listContacts",
                "parameters": _query_parameters(),
                "responses": _responses(("200", "Contacts", "ContactList"), 401, 422),
            },
        },
        "/contacts/{contact_id}": {
            "get": {
                "operationId": "getContact",
                "parameters": [contact_id],
                "responses": _responses(("200", "Contact", "ContactOut"), 401, 404),
            },
        },
        **_appointment_paths(),
        "/openapi.json": {
            "get": {
                "operationId": "openapi",
                "responses": {"200": {"description": "This document"}, **_responses(None, 401)},
            },
        },
    }


def _appointment_paths() -> dict[str, Any]:
    """The routes of ``admin.api_appointments``."""
    reference = {"name": "reference", "in": "path", "required": True,
                 "schema": {"type": "string", "pattern": "^[0-9]{10}$"}}
    return {
        "/appointments/slots": {
            "get": {
                "operationId": "freeSlots",
                "parameters": _query_parameters(SlotQuery),
                "responses": _responses(("200", "Free slots", "SlotList"), 401, 422),
            },
        },
        "/appointments": {
            "post": {
                "operationId": "bookAppointment",
                "requestBody": {"required": True, "content": _json("AppointmentIn")},
                "responses": _responses(("201", "Booked", "AppointmentOut"), 400, 401, 409, 422),
            },
        },
        "/appointments/{reference}": {
            "delete": {
                "operationId": "cancelAppointment",
                "parameters": [reference],
                "responses": _responses(("200", "Cancelled", "AppointmentOut"), 401, 404, 409,
                                        422),
            },
        },
    }
