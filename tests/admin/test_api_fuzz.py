"""Schemathesis fuzzing of /api/v1 from its own OpenAPI document: no 5xx, answers match it.

Valid and invalid inputs are generated for every operation; each response must be a
documented status with a body matching its schema, never a server error.
"""

from __future__ import annotations

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings

EXAMPLES = 50  # per operation and mode: the whole run stays well under a minute
# A schema-valid request may still be refused with a French 400 or 422: a phone number
# no country has, a request type, status, calendar or motive the rules do not declare, a
# reference whose check digit is wrong. No JSON schema can say those.
CONFIG = schemathesis.Config.from_dict({"checks": {"positive_data_acceptance": {
    "expected-statuses": ["2xx", "400", "401", "403", "404", "409", "422"]}}})


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
        "GET /appointments/slots",
        "POST /appointments",
        "DELETE /appointments/{reference}",
        "POST /alerts",
        "GET /alerts/{campaign_id}",
        "POST /alerts/{campaign_id}/launch",
    }

    for operation in operations:
        @given(case=operation.as_strategy(mode, headers=headers))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def conforms(case: schemathesis.Case) -> None:
            case.call_and_validate()

        conforms()
