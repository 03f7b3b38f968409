"""Preparing, launching, stopping and resuming a campaign on an operator's behalf, the
same way from the admin, the API and the crisis line, refusals in French
(``LaunchRefused``).

The campaign's own state changes and their rules (the audience copied at preparation,
a second campaign refused while one runs unless confirmed, the audit of every launch,
stop and resume) are ``ivr.store.alerts``'s; this module audits the preparation and
says who asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ivr.requests.errors import RequestError
from ivr.rules.alerts import AlertSettings
from ivr.store import alerts
from ivr.store.alert_reports import CampaignView, running_campaigns
from ivr.store.db import Store
from ivr.store.models import AlertRecipient, AuditLog


class LaunchRefused(Exception):
    """The operation is refused; ``message`` in French, ``code`` for the API."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class Draft:
    """What an operator prepares: a text, a recording (``message_audio``), or both."""

    title: str
    mode: str
    message_text: str | None
    message_audio: str | None
    test_mode: bool


@dataclass(frozen=True)
class Launched:
    campaign_id: int
    recipients: int
    test_mode: bool


def _audit(session: Session, at: datetime, actor: str | None, action: str, campaign_id: int,
           **detail: Any) -> None:
    session.add(AuditLog(at=at, username=actor, action=action, object=f"alerte:{campaign_id}",
                         detail=detail or None))


def _refused(exc: RequestError) -> LaunchRefused:
    code = "running" if isinstance(exc, alerts.AlreadyRunning) else "refused"
    return LaunchRefused(code, exc.message)


def prepare(store: Store, settings: AlertSettings, draft: Draft, *, actor: str | None,
            via: str, at: datetime) -> int:
    """Record the campaign as a draft with its audience (nothing is called yet); its id."""
    new = alerts.NewCampaign(title=draft.title, mode=draft.mode, created_via=via,
                             message_text=draft.message_text,
                             message_audio=draft.message_audio, test_mode=draft.test_mode,
                             created_by=actor)
    try:
        with store.session() as session:
            campaign = alerts.create_campaign(session, settings, new, at)
            _audit(session, at, actor, "alerte_preparee", campaign.id, via=via,
                   test=draft.test_mode)
            return campaign.id
    except RequestError as exc:
        raise _refused(exc) from None


def others_running(store: Store, campaign_id: int) -> list[CampaignView]:
    """Campaigns calling now, other than ``campaign_id``."""
    with store.session() as session:
        return [c for c in running_campaigns(session) if c.id != campaign_id]


def launch(store: Store, campaign_id: int, *, actor: str | None,
           confirm_second: bool, at: datetime) -> Launched:
    """Start a prepared campaign (refused while another runs unless confirmed); the
    store audits it (``alerte_lancee``, with the campaigns it was confirmed over)."""
    try:
        with store.session() as session:
            if alerts.get_campaign(session, campaign_id).status != "brouillon":
                raise LaunchRefused("not_draft", "Cette campagne a déjà été lancée.")
            campaign = alerts.start(session, campaign_id, at, confirm=confirm_second,
                                    actor=actor)
            count = session.scalar(select(func.count()).where(
                AlertRecipient.campaign_id == campaign_id)) or 0
            return Launched(campaign_id, count, campaign.test_mode)
    except RequestError as exc:
        raise _refused(exc) from None


def stop(store: Store, campaign_id: int, *, actor: str | None, at: datetime) -> None:
    """Stop calling (calls in progress end normally); audited."""
    try:
        with store.session() as session:
            alerts.stop(session, campaign_id, at, actor=actor)
    except RequestError as exc:
        raise _refused(exc) from None


def resume(store: Store, campaign_id: int, *, actor: str | None, at: datetime) -> None:
    """Go on calling a stopped campaign; audited."""
    try:
        with store.session() as session:
            alerts.resume(session, campaign_id, at, confirm=True, actor=actor)
    except RequestError as exc:
        raise _refused(exc) from None
