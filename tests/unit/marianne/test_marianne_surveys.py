"""Survey answers in the store: once a week per number, linked to the call's contact."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from ivr.flow.survey import RecordSurvey, SurveyAllowed
from ivr.store.db import Store
from ivr.store.marianne import keep_survey, survey_allowed
from ivr.store.models import Contact, Survey

pytestmark = pytest.mark.pg
AT = datetime.fromisoformat("2026-12-01T10:00:00+01:00")
NUMBER = "+33612345678"


def test_once_a_week_per_number_and_linked_to_the_contact(store: Store) -> None:
    with store.session() as session:
        session.add(Contact(call_id="c1", started_at=AT, target="etat-civil", agent="agent-ec"))
    assert survey_allowed(store, SurveyAllowed(NUMBER, AT))
    assert not survey_allowed(store, SurveyAllowed(None, AT))  # withheld number
    survey_id = keep_survey(store, RecordSurvey("c1", NUMBER, None, None, AT))
    assert not survey_allowed(store, SurveyAllowed(NUMBER, AT + timedelta(days=6)))
    assert survey_allowed(store, SurveyAllowed(NUMBER, AT + timedelta(days=7, minutes=1)))
    with store.session() as session:
        row = session.get(Survey, survey_id)
        assert row is not None and (row.department, row.agent) == ("etat-civil", "agent-ec")
        assert row.satisfaction is None and row.contact_id is not None
