"""The IVR process: wires rules, prompts, the store writer and the ARI application.

``townhall-ivr app`` runs this in the foreground. SIGHUP (``townhall-ivr rules
reload``, the admin's « Publier ») and changes to the rules file reload the rules
atomically; calls in progress keep the rules they started with.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Callable
from functools import partial
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from ivr.alerts.adapters.crisis_pin import pin_path
from ivr.asterisk.process import AsteriskInstance
from ivr.domain.intent import IntentMatcher
from ivr.domain.phone_numbers import to_e164
from ivr.domain.prompt_texts import Item, Text
from ivr.flow.alert_launch import CheckCrisisPin, LaunchAlert
from ivr.flow.commands import StoreCommand
from ivr.flow.complaint import FileVoiceRequest
from ivr.flow.procedures import SendProcedureLink
from ivr.flow.queries import Query
from ivr.flow.request_queries import (
    CreateDocumentRequest,
    FindRequest,
    OpenRequestsOf,
    PostalAddressOf,
    SendStatusSms,
    VerifyCaller,
)
from ivr.flow.routing import destination
from ivr.flow.session import CallSession
from ivr.flow.subscriptions import SetSubscription, SubscriptionLists
from ivr.flow.survey import RecordSurvey, SurveyAllowed
from ivr.prompts import PromptLibrary, ahead_of_calls
from ivr.requests.adapters.transcripts import RecordingTranscriber
from ivr.requests.adapters.voice_transcripts import transcriber
from ivr.requests.adapters.voicemail_spool import VoicemailIngestor
from ivr.rules import Rules, RulesHolder, watch
from ivr.runfiles import app_pid_path, app_ready_path
from ivr.settings import Settings, connect_host
from ivr.speech import SpeechEngine
from ivr.stack.peer_files import (
    read_status,
    release_orphan,
    sweep_takeovers,
    take_orphan,
)
from ivr.stack.peer_watch import PeerWatch
from ivr.store import (
    Store,
    StoreWriter,
    appointment_answers,
    notifications,
    self_service,
    subscriptions,
)
from ivr.store.alert_phone_answers import check_crisis_pin, launch_by_phone
from ivr.store.answers import Handler, StoreAnswers
from ivr.store.marianne import keep_survey, survey_allowed
from ivr.store.voice_requests import file_voice_request
from ivr.telephony import fallback_log
from ivr.telephony.ami import AmiListener
from ivr.telephony.ari import AriApplication
from ivr.telephony.call import record
from ivr.telephony.fact_gate import FactGate
from ivr.telephony.queue_events import QueueEvent, VoicemailEnded
from ivr.telephony.queue_facts import QueueFacts
from ivr.telephony.speech_bridge import MediaRest, SpeechBridge

log = logging.getLogger(__name__)

# The questions the call's dialogues ask (``ivr.flow.queries``), each answered by a
# function of the store; a query type missing here is answered ``Unavailable``.
ANSWERS: dict[type[Query], Handler] = {
    **appointment_answers.ANSWERS,
    SurveyAllowed: survey_allowed,
    RecordSurvey: keep_survey,
    SubscriptionLists: subscriptions.phone_lists,
    SetSubscription: subscriptions.phone_subscription,
    OpenRequestsOf: self_service.open_requests_of,
    PostalAddressOf: self_service.postal_address_of,
    SendStatusSms: self_service.send_status_sms,
    SendProcedureLink: notifications.send_procedure_link,
}


class SoundCache:
    """Resolve prompts to Asterisk sound names, rendering off the event loop when new."""

    def __init__(self, library: PromptLibrary) -> None:
        self.library = library
        self.names: dict[Item, str] = {}

    async def __call__(self, item: Item) -> str:
        name = self.names.get(item)
        if name is None:
            name = await asyncio.to_thread(self.library.sound_for, item)
            self.names[item] = name
        return name

    def warm(self, texts: list[str | Text]) -> None:
        """Render the rules' sentences before the first call needs them, and remember
        their names: a call then finds every one here, with no hop to a thread."""
        self.names.update(self.library.build_all(texts).ready)


class IvrApp:
    """IVR process ``index`` of one Asterisk instance (ARI application
    ``<ari_app>-<index>``; its peers take calls beside it, ``ivr.stack.peers``)."""

    def __init__(self, settings: Settings, sounds_dir: Path, index: int = 0) -> None:
        self.settings, self.index = settings, index
        instance = AsteriskInstance(settings)
        self.fallback_log = instance.fallback_log
        self.clock = settings.clock
        self.rules = RulesHolder(settings.rules_path)
        self.library = PromptLibrary(sounds_dir, prompts_dir=settings.prompts_dir)
        self.sounds = SoundCache(self.library)
        self.store = Store(settings.db_url)
        self.attempts = self_service.AttemptLog(self.store)
        self.writer = StoreWriter(self.store, settings.app_spool_dir(index), slot=index)
        # -- speech (vosk): one engine per process; keypad only when it cannot load --
        self.speech = SpeechEngine.from_settings(settings)
        self.transcripts = RecordingTranscriber(self.store, self.speech, self.clock.now)
        self.matcher: tuple[Rules, IntentMatcher] | None = None
        before = read_status(settings, index)  # the process this one replaces, if any
        self.ari = AriApplication(
            connect_host(settings.ari_host), settings.ari_port, settings.ari_user,
            settings.ari_password, settings.app_name(index), sessions=self.new_session,
            recorder=self.writer, sounds=self.sounds, now=self.clock.now, on_ready=self._mark_ready,
            on_down=self._mark_down, speech=self.speech_input,
            answers=StoreAnswers(self.store, {**ANSWERS, **self._file_answers(),
                                              **self._checks()}),
            claim_delay=lambda: self.peers.claim_delay(),
            take_orphan=partial(take_orphan, settings),
            release_orphan=partial(release_orphan, settings),
            note_playback=lambda call, playback: self.peers.note_playback(call, playback),
            predecessor=before.pid if before else 0)
        self.peers = PeerWatch(settings, index, playbacks=self.ari.playbacks,
                               last_event=lambda: self.ari.link.last_event,
                               ready=self.ari.connected.is_set, take_over=self.ari.take_over,
                               chores=self._fallback_calls,
                               facts=lambda: (self.fact_gate.since, self.fact_gate.through))
        # every process hears every queue fact and the lowest that covers it records it
        # (ivr.stack.fact_duty), under a seq made from Asterisk's own timestamp: a fact
        # recorded again when one stops is one row, and a dead process misses none
        self.queue_facts = QueueFacts(self._record_fact)
        self.fact_gate = FactGate(index, lambda: self.peers.peers, self.on_ami_event,
                                  self.queue_facts.learn, self.clock.now)
        # -- voicemail messages become requests: process 0 alone reads the spool --
        self.voicemail = VoicemailIngestor(
            instance.voicemail_spool, self.store, lambda: self.rules.current,
            settings.attachments_dir, self.clock.now, speech=self.speech,
            interval=settings.voicemail_sweep_seconds) if index == 0 else None
        # Facts are taken on pyst2's reader thread (and the listener's, for the kept
        # ones), with no hop to the event loop: the writer is thread-safe and the gate
        # lets one thread at a time into QueueFacts.
        self.ami = AmiListener(settings, facts_only=True, raw=self.fact_gate)

    def on_ami_event(self, event: QueueEvent) -> None:
        """A call's fact from AMI; the end of a voicemail call also wakes the ingestor."""
        self.queue_facts(event)
        if isinstance(event, VoicemailEnded) and self.voicemail is not None:
            self.voicemail.poke()

    def _record_fact(self, call_id: str, command: StoreCommand, seq: int | None) -> None:
        """A queue fact under the seq every process gives it (None: the writer's own)."""
        if seq is None:
            record(self.writer, call_id, command)
            return
        with self.writer.at_seq(seq):
            record(self.writer, call_id, command)

    def _checks(self) -> dict[type[Query], Handler]:
        """The reference and identity checks: their successful attempts are written by
        this process's ``AttemptLog`` after the answer, off the caller's path."""
        return {FindRequest: partial(self_service.find_request, later=self.attempts),
                VerifyCaller: partial(self_service.verify, later=self.attempts)}

    def _file_answers(self) -> dict[type[Query], Handler]:
        """Answers that also move files (the caller's recordings into the attachments):
        they need this instance's places and live rules, so they are bound here rather
        than in ANSWERS."""
        instance = AsteriskInstance(self.settings)
        create = partial(self_service.create_document_request,
                         recording=instance.recording_path, area=self.settings.attachments_dir,
                         heard=self.transcripts.submit)
        voice = partial(file_voice_request, rules=lambda: self.rules.current,
                        recording_path=instance.recording_path,
                        area=self.settings.attachments_dir,
                        transcribe=transcriber(self.store, self.speech, self.clock.now))
        pin = partial(check_crisis_pin, pin_file=pin_path(self.settings.home))
        launch = partial(launch_by_phone, rules=lambda: self.rules.current,
                         recording_path=instance.recording_path,
                         sounds_dir=self.settings.sounds_dir)
        return {CreateDocumentRequest: create, FileVoiceRequest: voice, CheckCrisisPin: pin,
                LaunchAlert: launch}

    def new_session(self, call_id: str) -> CallSession:
        """A session bound to the rules that are live now."""
        rules = self.rules.current
        return CallSession(call_id, rules, matcher=self.matcher_for(rules))

    def matcher_for(self, rules: Rules) -> IntentMatcher | None:
        """The intent matcher of ``rules`` (rebuilt once after a reload); None: keypad only."""
        if not self.speech.available:
            return None
        if self.matcher is None or self.matcher[0] is not rules:
            self.matcher = (rules, IntentMatcher.from_rules(rules))
        return self.matcher[1]

    def speech_input(self, rest: Callable[[], MediaRest], channel_id: str) -> SpeechBridge | None:
        """One call's speech input through ExternalMedia, when the model is loaded."""
        if not self.speech.available:
            return None
        return SpeechBridge(rest, self.speech, channel_id, self.settings.media_ports,
                            self.clock.now, host=self.settings.bind_host)

    def reload_rules(self) -> None:
        if self.rules.reload():
            self._after_rules_change()

    def _after_rules_change(self) -> None:
        self.sounds.names.clear()
        log.info("rules live", extra={"version": self.rules.version[:12]})

    def _fallback_calls(self) -> None:
        """Calls the dialplan answered while this process was up (none was, or they all
        lagged): recorded at once rather than at the next start."""
        if self.fallback_log.exists():
            fallback_log.ingest(self.fallback_log, self.writer)

    def _mark_ready(self) -> None:
        fallback_log.ingest(self.fallback_log, self.writer)
        app_ready_path(self.settings, self.index).write_text(f"{os.getpid()}\n")
        log.info("taking calls", extra={"pid": os.getpid(), "ivr_process": self.index})

    def _mark_down(self) -> None:
        app_ready_path(self.settings, self.index).unlink(missing_ok=True)
        log.warning("not taking calls: ARI link down (the other IVR processes, or the "
                    "dialplan, answer meanwhile)")

    async def run(self) -> None:
        """Serve calls until cancelled."""
        await asyncio.to_thread(self._prepare)
        if self.voicemail is not None:
            self.voicemail.start()  # after the model loaded: messages are transcribed
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGHUP, self.reload_rules)
        self.ami.start()
        watcher = loop.create_task(watch(self.rules, on_reload=self._after_rules_change))
        peers = loop.create_task(self.peers.run())
        try:
            await self.ari.run_forever()
        finally:
            app_ready_path(self.settings, self.index).unlink(missing_ok=True)
            watcher.cancel()
            peers.cancel()
            self.ami.stop()
            if self.voicemail is not None:
                self.voicemail.stop()
            self.transcripts.close()
            self.attempts.close()
            self.writer.close()
            self.speech.close()

    def _prepare(self) -> None:
        sweep_takeovers(self.settings)
        try:
            self.store.migrate()
        except SQLAlchemyError as exc:  # calls are taken anyway: the writer spools
            log.error("database unavailable at start; contacts are spooled", extra={"error": exc})
        self.sounds.warm(ahead_of_calls(self.rules.current))
        self._warm_decisions()
        if self.speech.load_sync():  # else one "speech disabled: <why>" line, keypad only
            self.matcher_for(self.rules.current)

    def _warm_decisions(self) -> None:
        """A call's first decisions import the holiday calendars (every country of the
        ``holidays`` package) and load the French numbering plan: ~0.15 s on the event
        loop for the first caller of each process under load. Done here, before calls."""
        rules, now = self.rules.current, self.clock.now()
        for target in rules.departments:
            destination(rules, target, now)
        to_e164("01 23 45 67 89")


def run_app(settings: Settings, sounds_dir: Path, index: int = 0) -> None:
    """Foreground entry point of IVR process ``index``, with a pid file."""
    pid = app_pid_path(settings, index)
    pid.parent.mkdir(parents=True, exist_ok=True)
    pid.write_text(f"{os.getpid()}\n")
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(IvrApp(settings, sounds_dir, index).run())
    finally:
        pid.unlink(missing_ok=True)
