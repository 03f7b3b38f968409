"""Answers to the crisis line's questions (``ivr.flow.alert_launch``): the PIN's check
and the launch, bound by the IVR process to its PIN file and sound places.

Every wrong PIN is audited (caller, call, attempt; never the PIN). After
``LOCK_AFTER`` wrong PINs within ``LOCK_WINDOW`` on the line, from any caller, every
PIN is refused until the window has passed: three guesses a call cannot become a
thousand by calling again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from ivr.alerts.adapters.crisis_pin import check_pin
from ivr.alerts.adapters.message_audio import install_message
from ivr.audio_files import AudioRefused
from ivr.flow.alert_launch import (
    AlertLaunched,
    AlertRefused,
    CheckCrisisPin,
    LaunchAlert,
    PinChecked,
    PreparedMessage,
)
from ivr.rules import Rules
from ivr.rules.alerts import AlertSettings
from ivr.store import alert_launch
from ivr.store.alert_reports import drafts
from ivr.store.db import Store
from ivr.store.models import AlertCampaign, AuditLog

log = logging.getLogger(__name__)
LOCK_AFTER = 6
LOCK_WINDOW = timedelta(minutes=15)
PIN_REFUSED = "alerte_code_refuse"


def _actor(caller: str | None) -> str:
    return f"telephone:{caller or 'masqué'}"[:64]


def check_crisis_pin(store: Store, query: CheckCrisisPin, *, pin_file: Path) -> PinChecked:
    """Check the PIN; on success the drafts to offer, newest first."""
    with store.session() as session:
        recent = session.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == PIN_REFUSED, AuditLog.at > query.at - LOCK_WINDOW)) or 0
        locked = recent >= LOCK_AFTER
        if not locked and check_pin(pin_file, query.pin):
            return PinChecked(True, tuple(PreparedMessage(d.id, d.title, d.message_text)
                                          for d in drafts(session)))
        session.add(AuditLog(at=query.at, username=_actor(query.caller), action=PIN_REFUSED,
                             object="ligne de crise", detail={
                                 "call": query.call_id, "attempt": query.attempt,
                                 "locked": locked, "hung_up": locked or query.attempt >= 3}))
    return PinChecked(False, locked=locked)


def launch_by_phone(store: Store, query: LaunchAlert, *, rules: Callable[[], Rules],
                    recording_path: Callable[[str], Path],
                    sounds_dir: Path) -> AlertLaunched | AlertRefused:
    """Launch the chosen draft, or a new campaign of the caller's recording (in the mode
    keyed: a copy of the draft when it differs)."""
    actor, at = _actor(query.caller), query.at
    running = alert_launch.others_running(store, query.campaign_id or 0)
    if running and not query.confirm_second:  # asked before anything is prepared
        return AlertRefused("running", running[0].title)
    try:
        campaign_id = _campaign(store, query, rules().alerts, recording_path, sounds_dir)
        if campaign_id is None:
            return AlertRefused("gone")
        done = alert_launch.launch(store, campaign_id, actor=actor,
                                   confirm_second=True, at=at)
    except alert_launch.LaunchRefused as exc:
        log.warning("alert launch by phone refused", extra={"call": query.call_id,
                                                            "why": exc.message})
        return AlertRefused("refused", message=exc.message)
    return AlertLaunched(done.campaign_id, done.recipients, done.test_mode)


def _campaign(store: Store, query: LaunchAlert, settings: AlertSettings,
              recording_path: Callable[[str], Path], sounds_dir: Path) -> int | None:
    """The draft to launch: a new one of the recording, the chosen one, or its copy in
    the other mode (a test of a real draft keeps the draft for the real launch)."""
    actor = _actor(query.caller)
    if query.campaign_id is None:
        if query.recording is None:
            return None
        try:
            audio = install_message(recording_path(query.recording), sounds_dir)
        except AudioRefused:
            return None
        title = f"Alerte téléphonique du {query.at:%d/%m/%Y %H:%M} UTC"
        draft = alert_launch.Draft(title, "alerte", None, audio, query.test_mode)
    else:
        with store.session() as session:
            row = session.get(AlertCampaign, query.campaign_id)
            if row is None or row.test_mode == query.test_mode:
                return query.campaign_id
            draft = alert_launch.Draft(row.title, row.mode, row.message_text,
                                       row.message_audio, query.test_mode)
    return alert_launch.prepare(store, settings, draft, actor=actor, via="telephone",
                                at=query.at)
