"""Pure alert decisions: retries per mode, pacing, call order, the played dialogue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from ivr.alerts.dialogue import (
    HELP,
    QUESTION,
    THANKS,
    AlertCall,
    HangUp,
    Outcome,
    PlayMessage,
    Say,
    StopPlaying,
    WaitForKey,
)
from ivr.alerts.pacing import in_call_order, starts_allowed
from ivr.alerts.policy import Result, decide, detect_machines, leave_on_machine

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
SPACING = timedelta(minutes=5)


def after(result: Result, attempts: int, max_attempts: int = 3,
          answered_before: bool = False) -> tuple[str, str | None, datetime | None]:
    decision = decide(result, attempts=attempts, max_attempts=max_attempts, spacing=SPACING,
                      answered_before=answered_before, now=NOW)
    return decision.state, decision.reason, decision.next_attempt_at


@pytest.mark.parametrize(("result", "state"), [
    (Result.ACKNOWLEDGED, "acquitte"), (Result.HELP, "aide"), (Result.VOICEMAIL, "messagerie")])
def test_keys_and_voicemail_are_final_at_once(result: Result, state: str) -> None:
    assert after(result, 1) == (state, None, None)


@pytest.mark.parametrize("result", [Result.BUSY, Result.NO_ANSWER, Result.NO_KEY,
                                    Result.REJECTED, Result.MACHINE, Result.FAILED,
                                    Result.INTERRUPTED])
def test_the_unreached_are_redialled_at_the_spacing(result: Result) -> None:
    state, _, next_at = after(result, 2)
    assert state == "en_attente" and next_at == NOW + SPACING


@pytest.mark.parametrize(("result", "before", "state", "reason"), [
    (Result.BUSY, False, "echec", "occupé (3 appels)"),
    (Result.NO_ANSWER, False, "echec", "pas de réponse (3 appels)"),
    (Result.REJECTED, False, "echec", "appel refusé (3 appels)"),
    (Result.NO_KEY, False, "non_acquitte", "a répondu sans taper 1 (3 appels)"),
    (Result.MACHINE, False, "non_acquitte", "répondeur (3 appels)"),
    (Result.BUSY, True, "non_acquitte", "occupé (3 appels)"),  # answered an earlier call
])
def test_the_last_attempt_says_why(result: Result, before: bool, state: str,
                                   reason: str) -> None:
    assert after(result, 3, answered_before=before) == (state, reason, None)


def test_machines_are_detected_and_left_the_message_in_information_mode_only() -> None:
    assert not detect_machines("alerte") and detect_machines("information")
    assert [leave_on_machine("information", n, 3) for n in (1, 2, 3)] == [False, False, True]
    assert not leave_on_machine("alerte", 3, 3)


@pytest.mark.parametrize(("in_progress", "started", "allowed"), [
    (0, 0, 10), (8, 0, 2), (10, 0, 0), (12, 0, 0), (0, 55, 5), (0, 70, 0), (9, 59, 1)])
def test_pacing_keeps_both_the_channel_budget_and_the_rate(in_progress: int, started: int,
                                                           allowed: int) -> None:
    assert starts_allowed(channel_budget=10, in_progress=in_progress, calls_per_minute=60,
                          started_last_minute=started) == allowed


@dataclass(frozen=True)
class Row:
    id: int
    vulnerable: bool
    attempts: int


def test_the_vulnerable_are_called_first_then_the_least_dialled() -> None:
    rows = [Row(1, False, 1), Row(2, False, 0), Row(3, True, 2), Row(4, True, 0)]
    assert [r.id for r in in_call_order(rows)] == [4, 3, 2, 1]


def test_message_twice_then_the_question_then_thanks_on_1() -> None:
    call, commands = AlertCall().answered()
    assert commands == [PlayMessage()]
    call, commands = call.played()
    assert commands == [PlayMessage()]
    call, commands = call.played()
    assert commands == [Say(QUESTION)]
    assert "tapez 2 si vous avez besoin d'aide" in QUESTION
    call, commands = call.played()
    assert commands == [WaitForKey(6.0)]
    call, commands = call.key("1")
    assert commands == [Outcome(Result.ACKNOWLEDGED), Say(THANKS)]
    call, commands = call.played()
    assert commands == [HangUp()] and call.result is Result.ACKNOWLEDGED
    assert call.hung_up()[1] == []  # the result stands


def test_a_2_during_the_message_stops_it_and_asks_for_help() -> None:
    call, _ = AlertCall().answered("HUMAN")
    call, commands = call.key("2")
    assert commands == [StopPlaying(), Outcome(Result.HELP), Say(HELP)]
    assert call.key("1") == (call, [])  # one answer per call


def test_a_wrong_key_asks_again_once_and_silence_ends_not_acknowledged() -> None:
    call, _ = AlertCall().answered()
    for _ in range(3):
        call, _ = call.played()
    call, commands = call.key("7")
    assert commands == [Say(QUESTION)]
    call, _ = call.played()
    assert call.key("9")[1] == [Outcome(Result.NO_KEY), HangUp()]
    assert call.silence()[1] == [Outcome(Result.NO_KEY), HangUp()]


def test_a_hang_up_before_any_key_is_answered_without_key() -> None:
    call, _ = AlertCall().answered()
    assert call.hung_up()[1] == [Outcome(Result.NO_KEY)]


def test_answering_machines() -> None:
    assert AlertCall().answered("MACHINE")[1] == [Outcome(Result.MACHINE), HangUp()]
    call, commands = AlertCall(leave_on_machine=True).answered("MACHINE")
    assert commands == [PlayMessage()]
    assert call.key("1") == (call, [])  # a greeting's tones are no acknowledgement
    call, commands = call.played()
    assert commands == [PlayMessage()]
    assert call.played()[1] == [Outcome(Result.VOICEMAIL), HangUp()]
    assert call.hung_up()[1] == [Outcome(Result.VOICEMAIL)]  # cut after the first play
    assert AlertCall().answered("NOTSURE")[1] == [PlayMessage()]  # played as to a person
