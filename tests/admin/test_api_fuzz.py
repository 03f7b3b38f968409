"""Schemathesis fuzzing of /api/v1 from its own OpenAPI document: no 5xx, answers match it.

Valid and invalid inputs are generated for every operation; each response must be a
documented status with a body matching its schema, never a server error.
"""

from __future__ import annotations

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance

# Beyond what a JSON schema can say, the appointments check the published calendars and
# their motives, phone numbers (phonenumbers) and the references' check digit, and answer
# 422 in French (asserted in test_api_appointments): schema-valid is not always valid there.
SEMANTIC_422 = {"GET /appointments/slots", "POST /appointments",
                "DELETE /appointments/{reference}"}
EXAMPLES = 50  # per operation and mode: the whole run stays well under a minute


@pytest.mark.parametrize(
    "mode", [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]
)
def test_api_conforms_to_its_document(
    app: Flask, token: str, mode: schemathesis.GenerationMode
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, headers=headers)
    operations = [result.ok() for result in schema.get_all_operations()]
    # Schemathesis leaves out the document's own path.
    assert {op.label for op in operations} == {
        "GET /contacts",
        "POST /contacts",
        "GET /contacts/{contact_id}",
        "GET /appointments/slots",
        "POST /appointments",
        "DELETE /appointments/{reference}",
    }

    for operation in operations:
        skipped = [positive_data_acceptance] if operation.label in SEMANTIC_422 else []

        @given(case=operation.as_strategy(mode, headers=headers))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def conforms(case: schemathesis.Case) -> None:
            case.call_and_validate(excluded_checks=skipped)  # noqa: B023 (called right below)

        conforms()
