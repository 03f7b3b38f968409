"""Schemathesis fuzzing of /api/v1 from its own OpenAPI document: no 5xx, answers match it.

Valid and invalid inputs are generated for every operation; each response must be a
documented status with a body matching its schema, never a server error.
"""

from __future__ import annotations

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings

from ivr.messages.adapters.wiring import SMS_TOKEN

EXAMPLES = 10  # per operation and mode, on both databases (hypothesis is CPU: the suite's
# 2 cores are its budget; the examples differ from run to run)
SMS_EXAMPLES = 10  # Kannel's two callbacks, each under GET and POST: one handler each
# A schema-valid request may still be refused with a French 400 or 422: a phone number
# no country has, a request type, status, calendar or motive the rules do not declare, a
# reference whose check digit is wrong. No JSON schema can say those.


@schemathesis.serializer("audio/*")
def _sound(ctx: schemathesis.SerializationContext, value: object) -> bytes:
    """A recorded message sent to the alerts API: the bytes generated, or (invalid data)
    the text of whatever value stands in for the file."""
    return value if isinstance(value, bytes) else repr(value).encode()


CONFIG = schemathesis.Config.from_dict({"checks": {"positive_data_acceptance": {
    "expected-statuses": ["2xx", "400", "401", "403", "404", "409", "422", "429"]}}})


@pytest.mark.parametrize(
    "mode", [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]
)
def test_api_conforms_to_its_document(
    app: Flask, token: str, mode: schemathesis.GenerationMode
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_wsgi(
        "/api/v1/openapi.json", app, config=CONFIG, headers=headers
    )
    operations = [result.ok() for result in schema.get_all_operations()]
    # Schemathesis leaves out the document's own path.
    assert {op.label for op in operations} == {
        "GET /contacts",
        "POST /contacts",
        "GET /contacts/{contact_id}",
        "GET /requests",
        "POST /requests",
        "GET /requests/{reference}",
        "POST /requests/{reference}/status",
        "PUT /requests/{reference}/address",
        "GET /requests/{reference}/attachments/{attachment_id}",
        "GET /appointments/slots",
        "POST /appointments",
        "DELETE /appointments/{reference}",
        "POST /subscriptions",
        "POST /subscriptions/confirm",
        "GET /sms/dlr",
        "POST /sms/dlr",
        "GET /sms/incoming",
        "POST /sms/incoming",
        "POST /alerts",
        "GET /alerts/{campaign_id}",
        "POST /alerts/{campaign_id}/launch",
    }
    # Kannel's callbacks carry the instance's secret token in their query, not a bearer
    sms_token = {"token": app.config["TOWNHALL_SETTINGS"].secret(SMS_TOKEN)}

    for operation in operations:
        kannel = operation.path.startswith("/sms/")
        @given(case=operation.as_strategy(mode, headers=headers,
                                          query=sms_token if kannel else None))
        @settings(
            max_examples=SMS_EXAMPLES if kannel else EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def conforms(case: schemathesis.Case) -> None:
            case.call_and_validate()

        conforms()
