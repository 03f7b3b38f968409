"""Rows of the Marianne dashboard, and the survey answers of the phone.

The figures themselves are computed by ``ivr.marianne.figures`` (pure) over the rows
these queries fetch for a window; nothing here divides or rounds. The monthly report
is queued in the messages outbox to each élu once (``mail_report``).
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from pathlib import Path

from sqlalchemy import func, or_, select

from ivr.flow.survey import RecordSurvey, SurveyAllowed
from ivr.marianne.figures import (
    CallbackRow,
    CallRow,
    Figures,
    RequestRow,
    Rows,
    SurveyRow,
    figures,
    trend,
)
from ivr.marianne.months import Month, trend_months, year_bounds
from ivr.marianne.report_mail import dedupe_key, report_mail
from ivr.store import messages as outbox
from ivr.store.db import Store
from ivr.store.models import Callback, Contact, Message, Request, Survey

SURVEY_INTERVAL = timedelta(days=7)  # never more than one survey a week per number
TREND_MONTHS = 12
REPORT_PURPOSE = "rapport"  # the monthly report to the élus (no citizen, no consent)


def dashboard_rows(store: Store, since: datetime, until: datetime) -> Rows:
    """Calls, surveys, callbacks of [since, until) and the requests alive during it."""
    calls = select(Contact.started_at, Contact.outcome, Contact.wait_seconds,
                   Contact.routed_by).where(
        Contact.channel == "phone", Contact.direction == "inbound",
        Contact.started_at >= since, Contact.started_at < until)
    surveys = select(Survey.at, Survey.department, Survey.satisfaction, Survey.got_answer).where(
        Survey.at >= since, Survey.at < until)
    requests = select(Request.type, Request.created_at, Request.due_at, Request.closed_at,
                      Request.clock_stopped_at, Request.acknowledge_due_at,
                      Request.acknowledged_at, Request.adopted).where(
        Request.created_at < until, or_(Request.closed_at.is_(None), Request.closed_at >= since))
    callbacks = select(Callback.promised_before, Callback.state, Callback.completed_at).where(
        Callback.promised_before >= since, Callback.promised_before < until)
    with store.session() as session:
        return Rows(
            calls=tuple(CallRow(*row) for row in session.execute(calls)),
            surveys=tuple(SurveyRow(*row) for row in session.execute(surveys)),
            requests=tuple(RequestRow(*row) for row in session.execute(requests)),
            callbacks=tuple(CallbackRow(*row) for row in session.execute(callbacks)))


def surveyed_recently(store: Store, caller: str, now: datetime) -> bool:
    """True when ``caller`` was offered a survey less than a week before ``now``."""
    query = select(func.count()).select_from(Survey).where(
        Survey.caller == caller, Survey.at > now - SURVEY_INTERVAL)
    with store.session() as session:
        return bool(session.scalar(query))


def record_survey(store: Store, *, at: datetime, caller: str | None, contact_id: int | None,
                  department: str | None, agent: str | None, satisfaction: int | None,
                  got_answer: bool | None) -> int:
    """Store one survey (scores None when none was keyed); its id."""
    row = Survey(at=at, caller=caller, contact_id=contact_id, department=department,
                 agent=agent, satisfaction=satisfaction, got_answer=got_answer)
    with store.session() as session:
        session.add(row)
        session.flush()
        return row.id


def month_board(store: Store, month: Month, zone: tzinfo, now: datetime,
                months: int = TREND_MONTHS) -> tuple[Figures, list[tuple[Month, Figures]]]:
    """The figures of ``month`` and the trend of the ``months`` months ending with it."""
    series_months = trend_months(month, months)
    since, until = series_months[0].bounds(zone)[0], month.bounds(zone)[1]
    series = trend(dashboard_rows(store, since, until), series_months, zone, now)
    return series[-1][1], series


def year_figures(store: Store, year: int, zone: tzinfo, now: datetime) -> Figures:
    """The figures of a whole calendar year (the public page)."""
    since, until = year_bounds(year, zone)
    return figures(dashboard_rows(store, since, until), since, until, now)


def survey_allowed(store: Store, query: SurveyAllowed) -> bool:
    """Answer ``SurveyAllowed``: a known number not surveyed within the week."""
    return bool(query.caller) and not surveyed_recently(store, query.caller or "", query.at)


def keep_survey(store: Store, query: RecordSurvey) -> int:
    """Answer ``RecordSurvey``: linked to the call's contact, its department and agent."""
    with store.session() as session:
        contact = session.scalars(select(Contact).where(Contact.call_id == query.call_id)).first()
        found = (contact.id, contact.target, contact.agent) if contact else (None, None, None)
    return record_survey(store, at=query.at, caller=query.caller, contact_id=found[0],
                         department=found[1], agent=found[2], satisfaction=query.satisfaction,
                         got_answer=query.got_answer)


def mail_report(store: Store, path: Path, month: Month, town: str, addresses: tuple[str, ...],
                now: datetime) -> list[str]:
    """Queue the report to each address not sent it yet; the addresses queued now."""
    subject, body = report_mail(month, town)
    keys = {dedupe_key(month, address): address for address in addresses}
    with store.session() as session:
        known = set(session.scalars(select(Message.dedupe_key).where(
            Message.dedupe_key.in_(list(keys)))))
        fresh = [address for key, address in keys.items() if key not in known]
        for address in fresh:
            outbox.enqueue(session, channel="email", recipient=address, body=body,
                           subject=subject, purpose=REPORT_PURPOSE, now=now,
                           dedupe_key=dedupe_key(month, address), attachment=str(path))
    return fresh
