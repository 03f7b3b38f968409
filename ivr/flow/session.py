"""One citizen's call through the IVR: an explicit state machine with no I/O.

``CallSession.handle(event)`` returns the commands to carry out. Stages:

    WELCOME ─▶ [CONSENT] ─▶ MENU ◀─┐          (keypad; retries, then a person)
       │        │ digit/timeout    │
       └▶ SPEECH ─▶ CONFIRM ───────┘          (speech, when available)
                 │ target chosen
                 ▼
              ANNOUNCE ─▶ (queue | voicemail | goodbye)  ─▶ DONE
                 │ closed, or « rappelez-moi » (menu action, speech, queue key)
                 ▼
              DIALOGUE ─▶ (its end: goodbye | a department | the main menu |
                           the usual closed path or a person)

A DIALOGUE stage hosts one ``ivr.flow.dialogue.Dialogue`` (the callback offer, …): the
session carries out its replies and decides where its end leads.

CONSENT (one caller in N, ``CallStarted.survey_offer``, whose number the store says was
not surveyed this week): « acceptez-vous de donner votre avis à la fin de l'appel ? » —
1 by phone (kept on the channel for the dialplan, which brings the caller back when the
agent hangs up; a self-service call goes on to the survey itself), 2 by an SMS link
after the call (``survey_by_sms``, sent by the Marianne job), anything else or
nothing: no survey.

Every transition is logged as ``A -> event -> B`` with the call id. Which method
handles an event in a stage is written out in ``HANDLERS``, after the class.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from ivr.domain.intent import APPOINTMENT, CALLBACK, IntentMatcher, IntentResult, match_yes_no
from ivr.domain.outcomes import ContactOutcome
from ivr.domain.prompt_texts import Prompt, Text
from ivr.flow import commands as c
from ivr.flow import events as e
from ivr.flow.callback_offer import CallbackOffer
from ivr.flow.dialogue import (
    Dialogue,
    End,
    Fallback,
    Finish,
    Listen,
    Reply,
    ToMainMenu,
    Transfer,
)
from ivr.flow.dialogues import DIALOGUES, Opening
from ivr.flow.grammar import Expect, phrases
from ivr.flow.menu import choose, reachable
from ivr.flow.routing import Destination, destination, hours_of
from ivr.flow.survey import Survey, SurveyAllowed
from ivr.rules import Rules

log = logging.getLogger(__name__)

MAX_SPEECH_FAILURES = 2
HOURS = "horaires"  # the target answered with opening hours
MAX_IVR_SECONDS = 300.0  # after this a caller who keeps wandering is put through to a person
# self-service ends a caller who accepted the survey at the start is asked it after
SURVEYED = (ContactOutcome.SELF_SERVICE, ContactOutcome.APPOINTMENT)


class Stage(StrEnum):
    WELCOME = "welcome"
    CONSENT = "consent"
    MENU = "menu"
    SPEECH = "speech"
    CONFIRM = "confirm"
    ANNOUNCE = "announce"
    DIALOGUE = "dialogue"
    DONE = "done"


@dataclass
class CallSession:
    """The state of one call in the IVR; the rules are the ones it started with."""

    call_id: str
    rules: Rules
    matcher: IntentMatcher | None = None
    stage: Stage = Stage.WELCOME
    menu_id: str = ""
    parents: list[str] = field(default_factory=list)
    path: list[str] = field(default_factory=list)
    failures: int = 0
    speech_failures: int = 0
    token: int = 0
    started_at: datetime | None = None
    pending: Destination | None = None
    candidate: str | None = None
    wait_input_after_play: bool = False
    caller: str | None = None
    dialogue: Dialogue | None = None
    dialogue_listen: float = 0.0
    ending: Finish | ToMainMenu | None = None  # said when the current prompts end
    offered_callback: bool = False
    asked: int = 0  # token of the dialogue's last question (``c.Ask``)
    awaiting: bool = False  # its answer (or the caller's recording) has not come: keys wait
    listening: Listen | None = None  # record the caller once the current prompts end
    # an outcome a dialogue already reached (the status was told): a hang-up keeps it
    settled: ContactOutcome | None = None
    survey_by_phone: bool = False  # the caller accepted the survey at the end, by phone
    after_survey: Finish | None = None  # how the call ends once the survey is answered

    def handle(self, event: e.Event) -> list[c.Command]:
        """Apply one event and return the commands it calls for."""
        before = self.stage
        out = self._dispatch(event)
        if self.stage != before:
            log.info("%s -> %s -> %s", before, type(event).__name__, self.stage,
                     extra={"call": self.call_id})
        return out

    def _dispatch(self, event: e.Event) -> list[c.Command]:
        if self.stage == Stage.DONE:
            return []
        if isinstance(event, e.CallStarted):
            return self._start(event)
        if isinstance(event, e.CallResumed):
            return self._resume(event)
        if isinstance(event, e.HungUp):
            return self._hung_up(event)
        if (isinstance(event, e.PlaybackDone | e.TimerFired | e.VoiceRecorded)
                and event.token != self.token):
            return []  # a stale prompt or timer from an earlier step
        if isinstance(event, e.Answered) and event.token != self.asked:
            return []  # the answer to a question of an earlier step
        handler = HANDLERS.get((self.stage, type(event)))
        return handler(self, event) if handler else []

    # -- start and end -------------------------------------------------------------

    def _start(self, ev: e.CallStarted) -> list[c.Command]:
        self.started_at, self.caller = ev.at, ev.caller
        if ev.survey_after is not None:  # the agent hung up: the caller's contact exists
            return [c.ContactEvent(ev.at, "survey_offered", {"queue": ev.survey_after}),
                    *self.begin(Survey(self.rules, self.call_id, ev.caller), ev.at)]
        if ev.callback_for in self.rules.departments:
            return [c.ContactEvent(ev.at, "callback_from_queue", {"queue": ev.callback_for}),
                    *self._offer_callback(ev.callback_for, ev.at)]
        self.menu_id = self.rules.entry_menu(ev.called)
        record = c.StartContact(ev.at, ev.caller, ev.called, ev.ref)
        if ev.called is not None and ev.called in self.rules.crisis_line.numbers:
            opening = Opening(self.rules, self.call_id, ev.caller, ev.at)
            return [record, c.Answer(), *self.begin(DIALOGUES["alert_launch"](opening), ev.at)]
        intro: list[c.PromptItem] = [Text(self.rules.messages.welcome)]
        closed = destination(self.rules, self.rules.input.fallback_target, ev.at)
        if closed.closed:
            intro.append(Text(closed.text))
        if ev.survey_offer and ev.caller:  # may this number be asked this week?
            self.stage, self.asked, self.awaiting = Stage.CONSENT, self.asked + 1, True
            return [record, c.Answer(), *self._play(*intro),
                    c.Ask(SurveyAllowed(ev.caller, ev.at), self.asked)]
        return [record, c.Answer(), *self._open(*intro)]

    def _open(self, *before: c.PromptItem) -> list[c.Command]:
        """The first question of the call: speech when available, else the main menu."""
        if self._speech_on() and self.menu_id == self.rules.main_menu:  # a direct line: keys
            self.stage = Stage.SPEECH
            return [*self._play(*before, Text(self.rules.messages.speech_prompt), wait=True),
                    self._listen("intent")]
        self.stage = Stage.MENU
        return self._play(*before, *self._menu_prompt(), wait=True)

    # -- the survey's consent at the start (référentiel Marianne) ------------------

    def _consent_allowed(self, ev: e.Answered) -> list[c.Command]:
        """« Acceptez-vous de donner votre avis… ? » (queued after the welcome), unless
        the number was surveyed this week or the store is away: then the menu."""
        self.awaiting = False
        if ev.result is not True:
            return self._open()
        return self._play(Prompt("survey-consent"), wait=True)

    def _consent_played(self, ev: e.PlaybackDone) -> list[c.Command]:
        return [] if self.awaiting else self._wait_digit()

    def _consent_digit(self, ev: e.Dtmf) -> list[c.Command]:
        if self.awaiting:  # a key before the question: the menu's, asked next
            return []
        return self._consented({"1": "phone", "2": "sms"}.get(ev.digit), ev.at)

    def _consent_timeout(self, ev: e.TimerFired) -> list[c.Command]:
        return self._consented(None, ev.at)

    def _consented(self, choice: str | None, at: datetime) -> list[c.Command]:
        """Keep the caller's choice (on the channel for the dialplan), then the menu."""
        rec = c.ContactEvent(at, f"survey_by_{choice}" if choice else "survey_declined")
        self.survey_by_phone = choice == "phone"
        kept = [c.Remember("survey", "phone")] if self.survey_by_phone else []
        return [rec, c.StopPlayback(), *kept, *self._open()]

    def _resume(self, ev: e.CallResumed) -> list[c.Command]:
        """Apologise, then put the call through if it had chosen its department (kept
        on the channel, ``c.Remember``), else offer again the menu it was in.

        The contact's start is recorded again from what Asterisk knows (the same values
        when the previous process had recorded it), and a call never answered is.
        """
        self.started_at, self.caller = ev.started_at or ev.at, ev.caller
        self.menu_id, self.stage = self.rules.main_menu, Stage.MENU
        start = c.StartContact(self.started_at, ev.caller, ev.called, ev.ref)
        head: list[c.Command] = [start, *([] if ev.answered else [c.Answer()])]
        dest = (destination(self.rules, ev.target, ev.at)
                if ev.target in self.rules.departments else None)
        if dest is not None and dest.kind == "queue":  # it was being put through: go on
            self.stage, self.pending = Stage.ANNOUNCE, dest
            return [*head, c.ContactEvent(ev.at, "resumed", {"target": dest.target}),
                    *self._play(Prompt("resume"), Text(dest.text))]
        resumed: dict[str, str] = {}
        if reachable(self.rules, ev.menus):  # back in the sub-menu it was in
            self.parents, self.menu_id = list(ev.menus[:-1]), ev.menus[-1]
            resumed["menu"] = self.menu_id
        return [*head, c.ContactEvent(ev.at, "resumed", resumed),
                *self._play(Prompt("resume"), *self._menu_prompt(), wait=True)]

    def _hung_up(self, ev: e.HungUp) -> list[c.Command]:
        stage = self.stage.value
        if self.stage == Stage.MENU:
            stage = f"{stage}:{self.menu_id}"
        elif self.stage == Stage.DIALOGUE and self.dialogue is not None:
            stage = f"{stage}:{self.dialogue.name}"
        self.stage = Stage.DONE
        return [c.FinishContact(at=ev.at, outcome=self.settled or ContactOutcome.ABANDONED_MENU,
                                hangup_stage=stage, menu_path=self._path())]

    # -- keypad menu ---------------------------------------------------------------

    def _menu_played(self, ev: e.PlaybackDone) -> list[c.Command]:
        return self._wait_digit() if self.wait_input_after_play else []

    def _menu_timeout(self, ev: e.TimerFired) -> list[c.Command]:
        if self.rules.menus[self.menu_id].stay_on_line:  # « restez en ligne »: a person
            return [c.ContactEvent(ev.at, "stayed_on_line", {"menu": self.menu_id}),
                    *self._route(self.rules.input.fallback_target, "default", ev.at)]
        return self._failure(ev.at, Text(self.rules.messages.no_input), "no_input")

    def _menu_digit(self, ev: e.Dtmf) -> list[c.Command]:
        if self._over_time(ev.at):
            return self._route(self.rules.input.fallback_target, "default", ev.at)
        choice = choose(self.rules, self.menu_id, ev.digit,
                        self.parents[-1] if self.parents else None)
        rec = c.ContactEvent(ev.at, "dtmf", {"digit": ev.digit, "menu": self.menu_id,
                                             "meaning": choice.kind})
        if choice.kind == "invalid":
            return [rec, *self._failure(ev.at, Text(self.rules.messages.invalid), "invalid")]
        self.path.append(ev.digit)
        if choice.kind in DIALOGUES:
            option = self.rules.menus[self.menu_id].options.get(ev.digit)
            opening = Opening(self.rules, self.call_id, self.caller, ev.at, option)
            return [rec, *self.begin(DIALOGUES[choice.kind](opening), ev.at)]
        if choice.kind == "target":
            return [rec, *self._route(choice.value or "", "dtmf", ev.at)]
        if choice.kind == "operator":
            return [rec, *self._route(self.rules.input.fallback_target, "dtmf", ev.at)]
        if choice.kind == "hours":
            return [rec, *self._route("horaires", "dtmf", ev.at)]
        if choice.kind == "callback":
            return [rec, *self._offer_callback(self.rules.input.fallback_target, ev.at)]
        kept: list[c.Command] = []  # repeat: the same menu again
        if choice.kind == "menu":
            self._enter_menu(choice.value or self.rules.main_menu)
            kept = [c.Remember("menu", "/".join([*self.parents, self.menu_id]))]
        return [rec, c.StopPlayback(), *kept, *self._play(*self._menu_prompt(), wait=True)]

    def _enter_menu(self, menu_id: str) -> None:
        if menu_id in self.parents:
            self.parents = self.parents[: self.parents.index(menu_id)]
        else:
            self.parents.append(self.menu_id)
        self.menu_id = menu_id
        self.failures = 0

    def _failure(self, at: datetime, why: Text, kind: str) -> list[c.Command]:
        """Re-prompt up to ``input.retries`` times, then put the caller through to a person."""
        self.failures += 1
        rec = c.ContactEvent(at, kind, {"menu": self.menu_id, "count": self.failures})
        if self.failures > self.rules.input.retries or self._over_time(at):
            return [rec, *self._route(self.rules.input.fallback_target, "default", at)]
        return [rec, c.StopPlayback(), *self._play(why, *self._menu_prompt(), wait=True)]

    # -- speech --------------------------------------------------------------------

    def _speech_played(self, ev: e.PlaybackDone) -> list[c.Command]:
        return [c.StartTimer(self.rules.input.digit_timeout + 2, self.token)]

    def _speech_heard(self, ev: e.SpeechHeard) -> list[c.Command]:
        return [c.StopPlayback(), c.CancelTimer()]

    def _speech_digit(self, ev: e.Dtmf) -> list[c.Command]:
        self.stage = Stage.MENU
        return [c.StopSpeech(), *self._menu_digit(ev)]

    def _speech_timeout(self, ev: e.TimerFired) -> list[c.Command]:
        return self._to_menu(ev.at, "speech_timeout")

    def _speech_final(self, ev: e.SpeechFinal) -> list[c.Command]:
        assert self.matcher is not None
        result = self.matcher.match(ev.text)
        rec = c.ContactEvent(ev.at, "speech", {"text": ev.text, "target": result.target,
                                               "decision": result.decision,
                                               "confidence": round(result.confidence, 3),
                                               "matched": list(result.matched)})
        upd = c.UpdateContact(at=ev.at, transcript=ev.text,
                              intent_confidence=result.confidence)
        if result.decision != "reject" and result.target == CALLBACK:
            return [rec, upd, c.StopSpeech(),
                    *self._offer_callback(self.rules.input.fallback_target, ev.at)]
        if result.decision == "route" and result.target == APPOINTMENT:
            opening = Opening(self.rules, self.call_id, self.caller, ev.at)
            return [rec, upd, c.StopSpeech(),
                    *self.begin(DIALOGUES["appointment"](opening), ev.at)]
        department = self._hours_asked_of(result)
        if department is not None:  # « à quelle heure ouvre l'urbanisme ? »
            return [rec, upd, *self._inform(hours_of(self.rules, department, ev.at), ev.at)]
        intent = self.rules.self_service.intents.get(result.target or "")
        if result.decision != "reject" and intent is not None:  # answered by a dialogue
            opening = Opening(self.rules, self.call_id, self.caller, ev.at)
            return [rec, upd, c.StopSpeech(), *self.begin(DIALOGUES[intent.action](opening),
                                                          ev.at)]
        if result.decision == "route" and result.target in self.rules.departments:
            return [rec, upd, c.StopSpeech(), *self._route(result.target, "speech", ev.at)]
        if result.decision == "confirm" and result.target in self.rules.departments:
            self.candidate, self.stage = result.target, Stage.CONFIRM
            ask = Text(self.rules.messages.confirm.format(
                spoken_name=self.rules.departments[result.target].spoken_name))
            return [rec, upd, self._listen("yes_no"), *self._play(ask)]
        self.speech_failures += 1
        if self.speech_failures >= MAX_SPEECH_FAILURES:
            return [rec, upd, *self._to_menu(ev.at, "speech_not_understood")]
        return [rec, upd, *self._play(Text(self.rules.messages.not_understood))]

    def _to_menu(self, at: datetime, why: str) -> list[c.Command]:
        """Fall back to the keypad menu: the safety net under speech."""
        self.stage = Stage.MENU
        return [c.ContactEvent(at, why), c.StopSpeech(),
                *self._play(*self._menu_prompt(), wait=True)]

    # -- confirmation of a middle-confidence speech match --------------------------

    def _confirm_played(self, ev: e.PlaybackDone) -> list[c.Command]:
        return [c.StartTimer(self.rules.input.digit_timeout, self.token)]

    def _confirm_said(self, ev: e.SpeechFinal) -> list[c.Command]:
        return self._confirmed(match_yes_no(ev.text), ev.at)

    def _confirm_digit(self, ev: e.Dtmf) -> list[c.Command]:
        return self._confirmed({"1": True, "2": False}.get(ev.digit), ev.at)

    def _confirm_timeout(self, ev: e.TimerFired) -> list[c.Command]:
        return self._confirmed(None, ev.at)

    def _confirmed(self, yes: bool | None, at: datetime) -> list[c.Command]:
        rec = c.ContactEvent(at, "confirm", {"target": self.candidate, "answer": yes})
        if yes and self.candidate:
            return [rec, c.StopSpeech(), *self._route(self.candidate, "speech", at)]
        return [rec, *self._to_menu(at, "confirm_refused" if yes is False else "confirm_unclear")]

    # -- routing and hand-off ------------------------------------------------------

    def _route(self, target: str, routed_by: c.RoutedBy, at: datetime,
               *before: c.PromptItem) -> list[c.Command]:
        """Put the call through to ``target`` (saying ``before`` first)."""
        dest = destination(self.rules, target, at)
        rec = c.ContactEvent(at, "route", {"target": target, "by": routed_by,
                                           "destination": dest.kind, "closed": dest.closed})
        if dest.kind == "info":  # answered by the IVR itself, then back to the menu
            return [rec, *self._inform(dest, at, *before)]
        self.stage, self.pending = Stage.ANNOUNCE, dest
        upd = c.UpdateContact(at=at, target=dest.target,
                              routed_by="closed" if dest.closed else routed_by,
                              menu_path=self._path())
        # after the stop: Asterisk runs a channel's commands one after the other, and one
        # waiting behind the menu's playback would wait for the whole menu
        remember = [c.Remember("target", dest.target)] if dest.kind == "queue" else []
        return [rec, upd, c.StopPlayback(), *remember, *self._play(*before, Text(dest.text))]

    def _inform(self, dest: Destination, at: datetime, *before: c.PromptItem
                ) -> list[c.Command]:
        """Say an answer of the IVR's own (``dest.text``), then offer the menu again."""
        self.stage, self.failures = Stage.MENU, 0
        return [c.StopSpeech(),
                *self._play(*before, Text(dest.text), *self._menu_prompt(), wait=True)]

    def _hours_asked_of(self, result: IntentResult) -> str | None:
        """The staffed department whose hours were asked, named beside « horaires »."""
        if result.decision == "reject" or result.target != HOURS:
            return None
        return next((target for target, _ in result.alternatives
                     if target in self.rules.departments
                     and not self.rules.departments[target].answered_by_ivr), None)

    def _announce_played(self, ev: e.PlaybackDone) -> list[c.Command]:
        dest = self.pending
        assert dest is not None
        if dest.closed and not self.offered_callback and self.rules.callbacks.offer_when_closed:
            return self._offer_callback(dest.target, ev.at, closed_path=dest.kind)
        return self._hand_off(ev.at)

    def _hand_off(self, at: datetime) -> list[c.Command]:
        dest, self.stage = self.pending, Stage.DONE
        assert dest is not None
        if dest.kind == "queue":
            return [c.ContactEvent(at, "queue_handoff", {"queue": dest.target}),
                    c.UpdateContact(at=at, queue=dest.target), c.ToQueue(dest.target)]
        if dest.kind == "voicemail":
            return [c.FinishContact(at=at, outcome=ContactOutcome.VOICEMAIL),
                    c.ToVoicemail(dest.target)]
        return [c.FinishContact(at=at, outcome=ContactOutcome.CLOSED), c.Hangup("closed_message")]

    # -- dialogues (ivr.flow.dialogue) ---------------------------------------------

    def _offer_callback(self, target: str, at: datetime,
                        closed_path: str | None = None) -> list[c.Command]:
        self.offered_callback = True
        upd = c.UpdateContact(at=at, target=target, menu_path=self._path())
        return [upd, *self.begin(CallbackOffer(self.rules, target, self.caller, closed_path),
                                  at)]

    def begin(self, dialogue: Dialogue, at: datetime) -> list[c.Command]:
        """Hand the call to ``dialogue`` and carry out its first step."""
        self.stage, self.dialogue = Stage.DIALOGUE, dialogue
        return [c.StopPlayback(), *self._dialogue_reply(dialogue.start(at), at)]

    def _dialogue_digit(self, ev: e.Dtmf) -> list[c.Command]:
        assert self.dialogue is not None
        # a key typed ahead of the answer would answer the wrong step, unless the
        # dialogue keeps such keys itself (``types_ahead``: it knows which step they are for)
        if self.awaiting and not getattr(self.dialogue, "types_ahead", False):
            return []
        return self._dialogue_reply(self.dialogue.digit(ev.digit, ev.at), ev.at)

    def _dialogue_timeout(self, ev: e.TimerFired) -> list[c.Command]:
        assert self.dialogue is not None
        return self._dialogue_reply(self.dialogue.timeout(ev.at), ev.at)

    def _dialogue_answered(self, ev: e.Answered) -> list[c.Command]:
        assert self.dialogue is not None
        self.awaiting = False
        return self._dialogue_reply(self.dialogue.answered(ev.result, ev.at), ev.at)

    def _dialogue_recorded(self, ev: e.VoiceRecorded) -> list[c.Command]:
        assert self.dialogue is not None
        self.awaiting = False
        return self._dialogue_reply(self.dialogue.recorded(ev.name, ev.seconds, ev.at), ev.at)

    def _dialogue_played(self, ev: e.PlaybackDone) -> list[c.Command]:
        if self.ending is not None:  # the dialogue's last words were said
            ending, self.ending = self.ending, None
            return self._ended(ending, ev.at)
        if self.listening is not None:  # « après le bip… » was heard: the caller speaks
            spec, self.listening = self.listening, None
            return [c.RecordVoice(self.token, spec.max_seconds, spec.silence_seconds)]
        if self.wait_input_after_play:
            return [c.StartTimer(self.dialogue_listen, self.token)]
        return []

    def _dialogue_reply(self, reply: Reply, at: datetime) -> list[c.Command]:
        """Carry out one step of the dialogue; its end decides where the call goes."""
        out: list[c.Command] = list(reply.commands)
        for cmd in out:
            if isinstance(cmd, c.UpdateContact) and cmd.outcome is not None:
                self.settled = cmd.outcome
        if reply.end is not None:
            return [*out, *self._dialogue_end(reply.end, reply.say, at)]
        if reply.ask is not None:  # ``say`` is heard while the answer comes
            self.asked, self.awaiting = self.asked + 1, True
            heard = self._play(*reply.say) if reply.say else self._hush()
            return [*out, c.StopPlayback(), *heard, c.Ask(reply.ask, self.asked)]
        if reply.record is not None:  # the caller speaks once ``say`` is heard
            self.listening, self.awaiting = reply.record, True
            return [*out, c.StopPlayback(), *self._play(*reply.say)]
        if reply.say:
            self.dialogue_listen = reply.listen or self.rules.input.digit_timeout
            return [*out, c.StopPlayback(), *self._play(*reply.say, wait=True)]
        if reply.listen is not None:  # a digit of a number: wait for the next one
            return [*out, c.StopPlayback(), c.StartTimer(reply.listen, self.token)]
        return out

    def _dialogue_end(self, end: End, say: tuple[c.PromptItem, ...],
                      at: datetime) -> list[c.Command]:
        """Leave the dialogue: say its last words where the end lets them be heard."""
        if isinstance(end, Transfer | Fallback):  # the transfer's outcome follows
            self.settled = None
        if isinstance(end, Transfer):
            return self._route(end.target, end.routed_by, at, *say)
        if isinstance(end, Fallback):
            if self.pending is not None and self.pending.closed:
                return self._hand_off(at)
            return self._route(self.rules.input.fallback_target, "default", at, *say)
        if not say:
            return self._ended(end, at)
        self.ending = end
        return [c.StopPlayback(), *self._play(*say)]

    def _ended(self, end: Finish | ToMainMenu, at: datetime) -> list[c.Command]:
        if isinstance(end, Finish) and self.survey_by_phone and end.outcome in SURVEYED:
            return self._survey_after(end, at)
        if isinstance(end, Finish):
            self.stage = Stage.DONE
            outcome = self.after_survey.outcome if self.after_survey else end.outcome
            return [c.FinishContact(at=at, outcome=outcome), c.Hangup(end.reason)]
        self.stage, self.menu_id, self.parents, self.failures = (
            Stage.MENU, self.rules.main_menu, [], 0)
        return self._play(*self._menu_prompt(), wait=True)

    def _survey_after(self, end: Finish, at: datetime) -> list[c.Command]:
        """A self-service call the caller agreed to rate: the survey, then the same end."""
        self.survey_by_phone, self.after_survey, self.settled = False, end, end.outcome
        return [c.ContactEvent(at, "survey_offered", {"after": end.reason}),
                *self.begin(Survey(self.rules, self.call_id, self.caller), at)]

    # -- helpers -------------------------------------------------------------------

    def _play(self, *items: c.PromptItem, wait: bool = False) -> list[c.Command]:
        """Play prompts under a new token; with ``wait`` the digit timer follows them."""
        self.token += 1
        self.wait_input_after_play = wait
        return [c.CancelTimer(), c.Play(tuple(items), self.token)]

    def _hush(self) -> list[c.Command]:
        """Nothing to say (Asterisk refuses an empty playback): stop the input timer and
        let the end of the prompt just stopped start none."""
        self.token += 1
        self.wait_input_after_play = False
        return [c.CancelTimer()]

    def _listen(self, expect: Expect) -> c.StartSpeech:
        """Listen to the caller for what this step expects (the recogniser's phrases)."""
        return c.StartSpeech(phrases(self.rules, expect))

    def _wait_digit(self) -> list[c.Command]:
        return [c.StartTimer(self.rules.input.digit_timeout, self.token)]

    def _menu_prompt(self) -> tuple[c.PromptItem, ...]:
        return (Text(self.rules.menus[self.menu_id].spoken_text()),)

    def _speech_on(self) -> bool:
        return self.matcher is not None and self.rules.speech.enabled

    def _over_time(self, at: datetime) -> bool:
        started = self.started_at or at
        return (at - started).total_seconds() > MAX_IVR_SECONDS

    def _path(self) -> str:
        return ">".join(self.path)


Handler = Callable[[CallSession, Any], list[c.Command]]
# What each stage does with each event; an event a stage does not list is ignored there
# (CallStarted, CallResumed and HungUp are handled the same in every stage).
HANDLERS: dict[tuple[Stage, type[e.Event]], Handler] = {
    (Stage.CONSENT, e.Answered): CallSession._consent_allowed,
    (Stage.CONSENT, e.PlaybackDone): CallSession._consent_played,
    (Stage.CONSENT, e.Dtmf): CallSession._consent_digit,
    (Stage.CONSENT, e.TimerFired): CallSession._consent_timeout,
    (Stage.MENU, e.PlaybackDone): CallSession._menu_played,
    (Stage.MENU, e.TimerFired): CallSession._menu_timeout,
    (Stage.MENU, e.Dtmf): CallSession._menu_digit,
    (Stage.SPEECH, e.PlaybackDone): CallSession._speech_played,
    (Stage.SPEECH, e.SpeechHeard): CallSession._speech_heard,
    (Stage.SPEECH, e.Dtmf): CallSession._speech_digit,
    (Stage.SPEECH, e.TimerFired): CallSession._speech_timeout,
    (Stage.SPEECH, e.SpeechFinal): CallSession._speech_final,
    (Stage.CONFIRM, e.PlaybackDone): CallSession._confirm_played,
    (Stage.CONFIRM, e.SpeechFinal): CallSession._confirm_said,
    (Stage.CONFIRM, e.Dtmf): CallSession._confirm_digit,
    (Stage.CONFIRM, e.TimerFired): CallSession._confirm_timeout,
    (Stage.ANNOUNCE, e.PlaybackDone): CallSession._announce_played,
    (Stage.DIALOGUE, e.Dtmf): CallSession._dialogue_digit,
    (Stage.DIALOGUE, e.TimerFired): CallSession._dialogue_timeout,
    (Stage.DIALOGUE, e.PlaybackDone): CallSession._dialogue_played,
    (Stage.DIALOGUE, e.Answered): CallSession._dialogue_answered,
    (Stage.DIALOGUE, e.VoiceRecorded): CallSession._dialogue_recorded,
}
