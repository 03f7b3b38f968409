"""Alert campaigns: their audience, their status, and every dial of every recipient.

A recipient goes ``en_attente → en_cours`` when a dialer claims it and back to
``en_attente`` (redialled later) or to a final state (``acquitte``, ``aide``,
``messagerie``, ``non_acquitte``, ``echec``) when the attempt's result is recorded.

Guarantees (the same pattern as ``ivr.callbacks.repository``):

- **Exactly-once claim.** ``claim_due`` is one ``UPDATE … WHERE id IN (picked) AND
  state='en_attente' RETURNING`` whose pick is ``FOR UPDATE SKIP LOCKED`` on
  PostgreSQL; SQLite runs it under its single write lock.
- **A claim expires.** A dialer that dies leaves ``en_cours`` rows whose
  ``claimed_until`` passes: ``release_expired`` puts them back to ``en_attente`` (the
  attempt is closed as ``interrompu``), so nobody is skipped. A restarted dialer
  releases its own claims at once (``release_worker``).
- **Nobody who acknowledged is called again.** A key 1 or 2 is committed while the call
  is still up; the outcome is recorded only by the claim's own attempt (``claimed_by``
  and ``attempts`` compared), and only ``en_attente`` rows are ever claimed.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import phonenumbers
from sqlalchemy import ColumnElement, func, insert, or_, select
from sqlalchemy import update as sql_update
from sqlalchemy.orm import Session

from ivr.alerts.pacing import order_key, window_start
from ivr.alerts.policy import ANSWERED, FINAL_STATES, Decision, Result, decide
from ivr.callbacks.repository import request_callback
from ivr.domain.phone_numbers import check_number, parse_number
from ivr.requests.errors import InvalidInput
from ivr.rules.alerts import AlertSettings
from ivr.rules.schema import Rules
from ivr.store.citizens import citizen_ids, ensure_citizen_in
from ivr.store.messages import enqueue
from ivr.store.models import (
    ALERT_MODES,
    ALERT_TEXT_COPIES,
    ALERT_VIA,
    AlertAttempt,
    AlertCampaign,
    AlertRecipient,
    AuditLog,
    Citizen,
    CitizenContactPoint,
    SafeguardEntry,
)
from ivr.store.requests import insert_request, request_values
from ivr.store.subscriptions import subscribed_in

ALERT_LIST = "alertes"
RUNNING = "en_cours"
ALERT_PURPOSE = "alerte"
HELP_PRIORITY = 100  # ahead of every other callback


class AlreadyRunning(InvalidInput):
    """Another campaign is running: starting this one needs an explicit confirmation."""


@dataclass(frozen=True)
class NewCampaign:
    """What the admin, the API, the CLI or the telephone dialogue asks for; pacing left
    ``None`` takes the rules' defaults."""

    title: str
    mode: str
    created_via: str
    message_text: str | None = None
    message_audio: str | None = None
    test_mode: bool = False
    created_by: str | None = None
    channel_budget: int | None = None
    calls_per_minute: int | None = None
    max_attempts: int | None = None
    retry_spacing_seconds: int | None = None
    text_copies: str = "secours"


@dataclass(frozen=True)
class Target:
    """One number of the audience, before it is copied into the campaign."""

    number: str
    name: str | None
    vulnerable: bool
    source: str


@dataclass(frozen=True)
class Claim:
    """One dial to make: ``attempt`` is the recipient's attempt number, ``attempt_id``
    its ``alert_attempts`` row (the channel id derives from it)."""

    recipient_id: int
    attempt_id: int
    campaign_id: int
    number: str
    name: str | None
    vulnerable: bool
    attempt: int

    @property
    def channel_id(self) -> str:
        return f"alert-{self.campaign_id}-{self.recipient_id}-{self.attempt_id}"


@dataclass(frozen=True)
class Counts:
    """The live page's figures; ``failed`` maps a final reason to its count."""

    total: int
    reached: int
    by_state: dict[str, int]
    failed: dict[str, int] = field(default_factory=dict)

    @property
    def acknowledged(self) -> int:
        return self.by_state.get("acquitte", 0)

    @property
    def help(self) -> int:
        return self.by_state.get("aide", 0)

    @property
    def pending(self) -> int:
        return self.by_state.get("en_attente", 0) + self.by_state.get("en_cours", 0)

    def to_dict(self) -> dict[str, Any]:
        return {"total": self.total, "reached": self.reached, "acknowledged": self.acknowledged,
                "help": self.help, "pending": self.pending, "by_state": self.by_state,
                "failed": self.failed}


# --- campaigns ---------------------------------------------------------------------


def create_campaign(session: Session, settings: AlertSettings, new: NewCampaign,
                    now: datetime) -> AlertCampaign:
    """Check ``new``, then record the campaign (``brouillon``) and copy its audience."""
    _check(new)
    retries = settings.retries(new.mode)
    campaign = AlertCampaign(
        title=new.title.strip(), mode=new.mode, test_mode=new.test_mode,
        message_text=(new.message_text or "").strip() or None, message_audio=new.message_audio,
        status="brouillon", created_by=new.created_by, created_via=new.created_via,
        created_at=now,
        channel_budget=new.channel_budget or settings.channel_budget,
        calls_per_minute=new.calls_per_minute or settings.calls_per_minute,
        max_attempts=new.max_attempts or retries.max_attempts,
        retry_spacing_seconds=new.retry_spacing_seconds or retries.retry_spacing,
        text_copies=new.text_copies)
    targets = audience(session, settings, test_mode=new.test_mode)
    if not targets:
        raise InvalidInput("Personne à appeler : la cellule de crise n'a aucun numéro (mode "
                           "test)." if new.test_mode else
                           "Personne à appeler : ni abonné à la liste « alertes » ni "
                           "habitant du registre de sauvegarde.")
    session.add(campaign)
    session.flush()
    ordered = sorted(targets, key=lambda t: order_key(t.vulnerable, 0, 0))
    session.execute(insert(AlertRecipient), [
        {"campaign_id": campaign.id, "number": t.number, "name": t.name,
         "vulnerable": t.vulnerable, "source": t.source, "state": "en_attente", "attempts": 0}
        for t in ordered])
    return campaign


def _check(new: NewCampaign) -> None:
    if not new.title.strip():
        raise InvalidInput("Le titre de la campagne est obligatoire.")
    if new.mode not in ALERT_MODES:
        raise InvalidInput(f"Mode inconnu : « {new.mode} » (possibles : alerte, information).")
    if new.text_copies not in ALERT_TEXT_COPIES:
        raise InvalidInput(f"Copie écrite inconnue : « {new.text_copies} » "
                           f"(possibles : {', '.join(ALERT_TEXT_COPIES)}).")
    if new.created_via not in ALERT_VIA:
        raise InvalidInput(f"Origine inconnue : « {new.created_via} ».")
    if not (new.message_text or "").strip() and not new.message_audio:
        raise InvalidInput("Le message est obligatoire : un texte, un enregistrement, ou les deux.")
    for label, value in (("le nombre de canaux", new.channel_budget),
                         ("le nombre d'appels par minute", new.calls_per_minute),
                         ("le nombre maximal d'appels", new.max_attempts),
                         ("l'intervalle entre deux appels", new.retry_spacing_seconds)):
        if value is not None and value <= 0:
            raise InvalidInput(f"{label[0].upper()}{label[1:]} doit être positif.")


def audience(session: Session, settings: AlertSettings, *, test_mode: bool) -> list[Target]:
    """Who a campaign calls: the crisis cell alone in test mode; otherwise the safeguard
    register (its flags kept) and the alert list's subscribers, one row per number."""
    if test_mode:
        return [Target(m.number, m.name, False, "cellule") for m in settings.crisis_cell]
    targets: dict[str, Target] = {}
    for entry in session.scalars(select(SafeguardEntry).order_by(SafeguardEntry.id)):
        targets.setdefault(entry.number, Target(entry.number, entry.name, entry.vulnerable,
                                                "registre"))
    citizens = subscribed_in(session, ALERT_LIST)
    phones = session.execute(
        select(CitizenContactPoint.value, Citizen.name)
        .join(Citizen, Citizen.id == CitizenContactPoint.citizen_id)
        .where(CitizenContactPoint.citizen_id.in_(citizens), CitizenContactPoint.kind == "phone")
        .order_by(CitizenContactPoint.id)).tuples()
    for number, name in phones:
        if check_number(number).ok:
            targets.setdefault(number, Target(number, name, False, "abonne"))
    return list(targets.values())


def get_campaign(session: Session, campaign_id: int) -> AlertCampaign:
    campaign = session.get(AlertCampaign, campaign_id)
    if campaign is None:
        raise InvalidInput(f"Campagne n° {campaign_id} introuvable.")
    return campaign


def latest_id(session: Session) -> int | None:
    """The most recent campaign's id (the CLI's default)."""
    return session.scalar(select(func.max(AlertCampaign.id)))


def running(session: Session) -> list[AlertCampaign]:
    """The campaigns being dialled, oldest first."""
    return list(session.scalars(select(AlertCampaign).where(AlertCampaign.status == RUNNING)
                                .order_by(AlertCampaign.id)))


def start(session: Session, campaign_id: int, now: datetime, *,
          confirm: bool = False, actor: str | None = None) -> AlertCampaign:
    """Start a draft or resume a stopped campaign; refused while another one runs unless
    ``confirm`` (a campaign launched twice by mistake)."""
    campaign = get_campaign(session, campaign_id)
    if campaign.status not in ("brouillon", "arretee"):
        raise InvalidInput(f"La campagne n° {campaign_id} est « {campaign.status} » : "
                           f"elle ne peut pas être lancée.")
    others = [c for c in running(session) if c.id != campaign_id]
    if others and not confirm:
        raise AlreadyRunning(f"La campagne n° {others[0].id} « {others[0].title} » est en "
                             f"cours : confirmez pour en lancer une deuxième.")
    first_start = campaign.status == "brouillon"
    moved = _set_status(session, campaign_id, ("brouillon", "arretee"), RUNNING,
                        started_at=func.coalesce(AlertCampaign.started_at, now),
                        stopped_at=None)
    if not moved:
        raise InvalidInput(f"La campagne n° {campaign_id} a changé entre-temps.")
    campaign = get_campaign(session, campaign_id)
    _audit(session, now, actor, "alerte_lancee" if first_start else "alerte_reprise", campaign,
           confirmed_over=[c.id for c in others])
    if first_start and campaign.text_copies == "parallele":
        for number in session.scalars(select(AlertRecipient.number).where(
                AlertRecipient.campaign_id == campaign_id).order_by(AlertRecipient.id)):
            written_copy(session, campaign, number, now)
    return campaign


def resume(session: Session, campaign_id: int, now: datetime, *,
           confirm: bool = False, actor: str | None = None) -> AlertCampaign:
    """Resume a stopped campaign (only a stopped one)."""
    if get_campaign(session, campaign_id).status != "arretee":
        raise InvalidInput(f"La campagne n° {campaign_id} n'est pas arrêtée.")
    return start(session, campaign_id, now, confirm=confirm, actor=actor)


def stop(session: Session, campaign_id: int, now: datetime, *,
         actor: str | None = None) -> AlertCampaign:
    """Stop dialling (calls in progress end normally); ``resume`` goes on later."""
    get_campaign(session, campaign_id)
    if not _set_status(session, campaign_id, (RUNNING,), "arretee", stopped_at=now):
        raise InvalidInput(f"La campagne n° {campaign_id} n'est pas en cours.")
    campaign = get_campaign(session, campaign_id)
    _audit(session, now, actor, "alerte_arretee", campaign)
    return campaign


def _audit(session: Session, now: datetime, actor: str | None, action: str,
           campaign: AlertCampaign, **detail: Any) -> None:
    """Every launch, stop and resume in the audit log, whoever did it and however."""
    session.add(AuditLog(at=now, username=(actor or campaign.created_by or "")[:64] or None,
                         action=action, object=f"alerte:{campaign.id}",
                         detail={"via": campaign.created_via, "title": campaign.title,
                                 "test_mode": campaign.test_mode, **detail}))


def finish_if_done(session: Session, campaign_id: int, now: datetime) -> bool:
    """A running campaign with nobody left to dial becomes ``terminee``."""
    left = session.scalar(select(func.count()).where(
        AlertRecipient.campaign_id == campaign_id,
        AlertRecipient.state.in_(("en_attente", "en_cours"))))
    return bool(not left and _set_status(session, campaign_id, (RUNNING,), "terminee",
                                         finished_at=now))


def _set_status(session: Session, campaign_id: int, expected: tuple[str, ...], status: str,
                **values: Any) -> bool:
    statement = (sql_update(AlertCampaign)
                 .where(AlertCampaign.id == campaign_id, AlertCampaign.status.in_(expected))
                 .values(status=status, **values).returning(AlertCampaign.id)
                 .execution_options(synchronize_session=False))
    moved = session.scalars(statement).all()
    session.expire_all()
    return bool(moved)


# --- dialling ------------------------------------------------------------------------


def _due(campaign_id: int, now: datetime) -> list[ColumnElement[bool]]:
    return [AlertRecipient.campaign_id == campaign_id, AlertRecipient.state == "en_attente",
            or_(AlertRecipient.next_attempt_at.is_(None), AlertRecipient.next_attempt_at <= now),
            AlertRecipient.campaign_id.in_(
                select(AlertCampaign.id).where(AlertCampaign.status == RUNNING))]


def claim_due(session: Session, campaign_id: int, now: datetime, worker_id: str, limit: int,
              lease_seconds: float) -> list[Claim]:
    """Claim up to ``limit`` due recipients for ``worker_id``, exactly once, vulnerable
    first, each with its new attempt row."""
    if limit <= 0:
        return []
    pick = (select(AlertRecipient.id).where(*_due(campaign_id, now))
            .order_by(AlertRecipient.vulnerable.desc(), AlertRecipient.attempts,
                      AlertRecipient.id)
            .limit(limit).with_for_update(skip_locked=True).cte("picked"))
    rows = list(session.scalars(
        sql_update(AlertRecipient)
        .where(AlertRecipient.id.in_(select(pick.c.id)), AlertRecipient.state == "en_attente")
        .values(state="en_cours", claimed_by=worker_id, attempts=AlertRecipient.attempts + 1,
                claimed_until=now + timedelta(seconds=lease_seconds))
        .returning(AlertRecipient), execution_options={"populate_existing": True}))
    if not rows:
        return []
    adding = insert(AlertAttempt).returning(AlertAttempt.id, sort_by_parameter_order=True)
    ids = session.scalars(adding, [{"recipient_id": r.id, "started_at": now}
                                   for r in rows]).all()
    claims = [Claim(r.id, attempt_id, r.campaign_id, r.number, r.name, r.vulnerable, r.attempts)
              for r, attempt_id in zip(rows, ids, strict=True)]
    return sorted(claims, key=lambda c: order_key(c.vulnerable, c.attempt, c.recipient_id))


def pacing_counts(session: Session, campaign_id: int, now: datetime) -> tuple[int, int]:
    """(calls in progress, calls started over the last minute) of the campaign, every
    dialer included."""
    in_progress = session.scalar(select(func.count()).where(
        AlertRecipient.campaign_id == campaign_id, AlertRecipient.state == "en_cours")) or 0
    started = session.scalar(
        select(func.count()).select_from(AlertAttempt)
        .join(AlertRecipient, AlertRecipient.id == AlertAttempt.recipient_id)
        .where(AlertRecipient.campaign_id == campaign_id,
               AlertAttempt.started_at > window_start(now))) or 0
    return in_progress, started


def record_result(session: Session, claim: Claim, worker_id: str, result: Result,
                  now: datetime, *, help_request_id: int | None = None) -> Decision | None:
    """Close the attempt with ``result`` and move the recipient; None when the claim was
    lost (the attempt was released and may be dialled again by someone else)."""
    campaign = get_campaign(session, claim.campaign_id)
    answered_before = bool(session.scalar(select(func.count()).where(
        AlertAttempt.recipient_id == claim.recipient_id, AlertAttempt.id != claim.attempt_id,
        AlertAttempt.result.in_([r.value for r in ANSWERED]))))
    decision = decide(result, attempts=claim.attempt, max_attempts=campaign.max_attempts,
                      spacing=timedelta(seconds=campaign.retry_spacing_seconds),
                      answered_before=answered_before, now=now)
    values: dict[str, Any] = {"state": decision.state, "last_result": result.value,
                              "last_reason": decision.reason,
                              "next_attempt_at": decision.next_attempt_at,
                              "claimed_by": None, "claimed_until": None}
    if result is Result.ACKNOWLEDGED:
        values["acknowledged_at"] = now
    if result is Result.HELP:
        values.update(help_requested_at=now, help_request_id=help_request_id)
    moved = session.scalars(sql_update(AlertRecipient).where(*_mine(claim, worker_id))
                            .values(**values).returning(AlertRecipient.id)).all()
    if not moved:
        return None
    session.execute(sql_update(AlertAttempt).where(AlertAttempt.id == claim.attempt_id)
                    .values(ended_at=now, result=result.value, reason=decision.reason))
    if decision.state in ("echec", "non_acquitte") and campaign.text_copies == "secours":
        written_copy(session, campaign, claim.number, now)
    return decision


def _mine(claim: Claim, worker_id: str) -> list[ColumnElement[bool]]:
    return [AlertRecipient.id == claim.recipient_id, AlertRecipient.state == "en_cours",
            AlertRecipient.claimed_by == worker_id, AlertRecipient.attempts == claim.attempt]


def release_expired(session: Session, now: datetime) -> int:
    """Claims whose lease passed (a dead dialer): dialled again; returns how many."""
    return _release(session, [AlertRecipient.claimed_until <= now], now)


def release_worker(session: Session, worker_id: str, now: datetime) -> int:
    """A dialer starting again under the same id: its previous claims died with it."""
    return _release(session, [AlertRecipient.claimed_by == worker_id], now)


def _release(session: Session, where: list[ColumnElement[bool]], now: datetime) -> int:
    rows = session.scalars(
        sql_update(AlertRecipient).where(AlertRecipient.state == "en_cours", *where)
        .values(state="en_attente", claimed_by=None, claimed_until=None, next_attempt_at=None,
                last_result=Result.INTERRUPTED.value)
        .returning(AlertRecipient.id)).all()
    if rows:
        session.execute(sql_update(AlertAttempt).where(
            AlertAttempt.recipient_id.in_(rows), AlertAttempt.ended_at.is_(None))
            .values(ended_at=now, result=Result.INTERRUPTED.value, reason="appel interrompu"))
    return len(rows)


# --- help and fallback ---------------------------------------------------------------


def help_request(session: Session, rules: Rules, claim: Claim, now: datetime) -> int:
    """A « 2 »: a request in the CCAS worklist and a priority callback, in the caller's
    transaction; returns the request's id (kept on the recipient)."""
    settings = rules.alerts
    campaign = get_campaign(session, claim.campaign_id)
    citizen = ensure_citizen_in(session, name=claim.name, phones=[claim.number])
    values = request_values(
        rules, type_id=settings.help_request_type, at=now, channel="phone",
        department=settings.help_department,
        subject=f"Aide demandée pendant l'alerte « {campaign.title} »"[:255],
        description=(f"{claim.name or 'Un habitant'} ({claim.number}"
                     f"{', personne vulnérable' if claim.vulnerable else ''}) a tapé 2 "
                     f"pendant l'alerte n° {campaign.id} : rappeler en priorité."))
    row = insert_request(session, values, owner=citizen.id, actor="alertes",
                         rng=random.SystemRandom())
    request_callback(session, None, claim.number, settings.help_department, now, None,
                     priority=HELP_PRIORITY, now=now)
    return row.id


def written_copy(session: Session, campaign: AlertCampaign, number: str, now: datetime) -> None:
    """The message in writing for ``number``: by SMS when it is a mobile, by e-mail to the
    register's or the subscriber's addresses; alerts, so quiet hours do not hold them."""
    body = f"{campaign.title} : {campaign.message_text or 'écoutez le message de la mairie.'}"
    key = f"alert:{campaign.id}:{number}"
    if is_mobile(number):
        enqueue(session, channel="sms", recipient=number, body=body, purpose=ALERT_PURPOSE,
                alert=True, now=now, dedupe_key=f"{key}:sms")
    for address in _emails(session, number):
        enqueue(session, channel="email", recipient=address, body=body, subject=campaign.title,
                purpose=ALERT_PURPOSE, alert=True, now=now, dedupe_key=f"{key}:{address}"[:128])


def _emails(session: Session, number: str) -> list[str]:
    found = set(session.scalars(select(SafeguardEntry.email).where(
        SafeguardEntry.number == number, SafeguardEntry.email.is_not(None))))
    owners = citizen_ids(session, phone=number)
    found.update(session.scalars(select(CitizenContactPoint.value).where(
        CitizenContactPoint.citizen_id.in_(owners), CitizenContactPoint.kind == "email")))
    return sorted(a for a in found if a)


# --- figures ------------------------------------------------------------------------


def counts(session: Session, campaign_id: int) -> Counts:
    """Reached, acknowledged, help, pending, and the failed with why."""
    by_state = dict(session.execute(
        select(AlertRecipient.state, func.count()).where(AlertRecipient.campaign_id == campaign_id)
        .group_by(AlertRecipient.state)).tuples().all())
    reached = session.scalar(
        select(func.count(func.distinct(AlertAttempt.recipient_id)))
        .join(AlertRecipient, AlertRecipient.id == AlertAttempt.recipient_id)
        .where(AlertRecipient.campaign_id == campaign_id,
               AlertAttempt.result.in_([r.value for r in ANSWERED]))) or 0
    failed = Counter(session.scalars(select(AlertRecipient.last_reason).where(
        AlertRecipient.campaign_id == campaign_id,
        AlertRecipient.state.in_(("echec", "non_acquitte")))))
    return Counts(sum(by_state.values()), reached, by_state,
                  {reason or "inconnu": n for reason, n in failed.items()})


def recipients(session: Session, campaign_id: int,
               states: tuple[str, ...] | None = None) -> list[AlertRecipient]:
    """The campaign's recipients (help requests first, then in call order)."""
    query = select(AlertRecipient).where(AlertRecipient.campaign_id == campaign_id)
    if states:
        query = query.where(AlertRecipient.state.in_(states))
    return list(session.scalars(query.order_by(
        (AlertRecipient.state == "aide").desc(), AlertRecipient.vulnerable.desc(),
        AlertRecipient.id)))


def is_final(state: str) -> bool:
    return state in FINAL_STATES


def is_mobile(number: str) -> bool:
    """Only mobiles take the SMS fallback."""
    parsed = parse_number(number)
    return parsed is not None and phonenumbers.number_type(parsed) in (
        phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
