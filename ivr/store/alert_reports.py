"""What the operators read of a flood-alert campaign: the list, the live status, the
report. Queries only; the campaign's state changes are in ``ivr.store.alerts``.

The live status puts the recipients who asked for help first (with their help
request), then the failures with why, then the pending ones, vulnerable first (the
figures and the order are ``ivr.store.alerts``'s).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ivr.alerts.report import AttemptView, CampaignView, RecipientView
from ivr.store import alerts
from ivr.store.db import Store
from ivr.store.models import AlertAttempt, AlertCampaign, AlertRecipient, Request

PENDING = ("en_attente", "en_cours")
LIVE_LIMIT = 200  # rows of each list on the live page (the report has everyone)


@dataclass(frozen=True)
class CampaignRow:
    """One campaign in the list."""

    view: CampaignView
    created_at: datetime
    total: int
    done: int


@dataclass(frozen=True)
class LivePerson:
    id: int
    name: str | None
    number: str
    vulnerable: bool
    state: str
    attempts: int
    last_result: str | None
    last_reason: str | None
    next_attempt_at: datetime | None
    help_requested_at: datetime | None
    help_reference: str | None  # the CCAS request the « 2 » created


@dataclass(frozen=True)
class LiveStatus:
    """The live page's figures and lists."""

    campaign: CampaignView
    counts: dict[str, int]
    total: int
    reached: int  # recipients who answered at least once
    help: list[LivePerson]
    failed: list[LivePerson]
    pending: list[LivePerson]


def _view(row: AlertCampaign) -> CampaignView:
    return CampaignView(row.id, row.title, row.mode, row.test_mode, row.status, row.created_by,
                        row.created_via, row.started_at, row.finished_at, row.message_text)


def campaign_view(store: Store, campaign_id: int) -> CampaignView | None:
    with store.session() as session:
        row = session.get(AlertCampaign, campaign_id)
        return _view(row) if row is not None else None


def running_campaigns(session: Session) -> list[CampaignView]:
    """Campaigns calling now (« en_cours »), oldest first."""
    return [_view(row) for row in alerts.running(session)]


def campaigns(store: Store, limit: int = 50) -> list[CampaignRow]:
    """The latest campaigns, newest first, with how many recipients are done."""
    with store.session() as session:
        rows = list(session.scalars(select(AlertCampaign).order_by(AlertCampaign.id.desc())
                                    .limit(limit)))
        counts = _state_counts(session, [row.id for row in rows])
        return [CampaignRow(_view(row), row.created_at, sum(counts[row.id].values()),
                            sum(n for s, n in counts[row.id].items() if s not in PENDING))
                for row in rows]


def drafts(session: Session) -> list[CampaignView]:
    """Campaigns prepared and never launched (offered on the crisis line), newest first."""
    rows = session.scalars(select(AlertCampaign).where(AlertCampaign.status == "brouillon")
                           .order_by(AlertCampaign.id.desc()))
    return [_view(row) for row in rows]


def _state_counts(session: Session, ids: list[int]) -> dict[int, Counter[str]]:
    out: dict[int, Counter[str]] = {i: Counter() for i in ids}
    if not ids:
        return out
    query = (select(AlertRecipient.campaign_id, AlertRecipient.state, func.count())
             .where(AlertRecipient.campaign_id.in_(ids))
             .group_by(AlertRecipient.campaign_id, AlertRecipient.state))
    for campaign_id, state, count in session.execute(query):
        out[campaign_id][state] = count
    return out


def _people(session: Session, campaign_id: int, states: tuple[str, ...]) -> list[LivePerson]:
    rows = alerts.recipients(session, campaign_id, states)[:LIVE_LIMIT]
    ids = [row.help_request_id for row in rows if row.help_request_id is not None]
    references = dict(session.execute(select(Request.id, Request.reference)
                                      .where(Request.id.in_(ids))).tuples()) if ids else {}
    return [LivePerson(row.id, row.name, row.number, row.vulnerable, row.state, row.attempts,
                       row.last_result, row.last_reason, row.next_attempt_at,
                       row.help_requested_at, references.get(row.help_request_id or 0))
            for row in rows]


def live_status(store: Store, campaign_id: int) -> LiveStatus | None:
    """The campaign's counts and its help, failed and pending lists."""
    with store.session() as session:
        row = session.get(AlertCampaign, campaign_id)
        if row is None:
            return None
        counts = alerts.counts(session, campaign_id)
        return LiveStatus(
            _view(row), counts.by_state, counts.total, counts.reached,
            help=_people(session, campaign_id, ("aide",)),
            failed=_people(session, campaign_id, ("echec", "non_acquitte")),
            pending=_people(session, campaign_id, tuple(PENDING)))


def report(store: Store, campaign_id: int) -> tuple[CampaignView, list[RecipientView]] | None:
    """Every recipient with every attempt (vulnerable first, then in calling order)."""
    with store.session() as session:
        row = session.get(AlertCampaign, campaign_id)
        if row is None:
            return None
        people = list(session.scalars(
            select(AlertRecipient).where(AlertRecipient.campaign_id == campaign_id)
            .order_by(AlertRecipient.vulnerable.desc(), AlertRecipient.id)))
        attempts: dict[int, list[AttemptView]] = {p.id: [] for p in people}
        query = (select(AlertAttempt).join(AlertRecipient)
                 .where(AlertRecipient.campaign_id == campaign_id)
                 .order_by(AlertAttempt.started_at, AlertAttempt.id))
        for attempt in session.scalars(query):
            attempts[attempt.recipient_id].append(AttemptView(
                attempt.started_at, attempt.ended_at, attempt.result, attempt.reason))
        return _view(row), [
            RecipientView(p.name, p.number, p.vulnerable, p.source, p.state, p.acknowledged_at,
                          p.help_requested_at, tuple(attempts[p.id]), p.last_reason)
            for p in people]
