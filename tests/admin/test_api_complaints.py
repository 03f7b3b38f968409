"""A complaint or suggestion filed through the web API gets the phone's deadlines."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

pytestmark = pytest.mark.pg


@pytest.mark.parametrize("kind", ["reclamation", "suggestion"])
def test_a_complaint_by_the_web_has_both_deadlines(client: FlaskClient, token: str,
                                                    kind: str) -> None:
    body = {"type": kind, "channel": "web", "subject": "Trottoir rue Haute",
            "description": "Le trottoir est défoncé depuis un mois.",
            "citizen": {"name": "Jeanne Martin", "emails": ["jeanne@example.org"]}}
    response = client.post("/api/v1/requests", json=body,
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201, response.json
    made = response.json
    assert made is not None and made["department"] == "reclamations"
    assert made["channel"] == "web" and made["acknowledge_due_at"] < made["due_at"]
    assert made["acknowledged_at"] is None and made["answer"] is None
