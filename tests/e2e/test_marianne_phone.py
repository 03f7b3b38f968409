"""Référentiel Marianne through the real stack: a caller accepts the survey at the start
(key 1), is answered by a SIPp agent who hangs up first, then keys the satisfaction
survey → the scores on the contact and in the dashboard figures; a complaint recorded by
phone (the survey chosen by SMS at the start) → a request with both deadlines, its WAV
kept, and a callback; a survey chosen by SMS texted once the agent's call is over; the
complaint escalated by ``marianne escalate`` run with the
clock injected past its acknowledgement deadline."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import Future
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from ivr.marianne.months import Month
from ivr.marianne.survey_link import LinkAnswers
from ivr.simulate import AgentPhone, CallResult
from ivr.sipp.scenario import Dtmf, Say, Wait
from ivr.store import requests as repo
from ivr.store.db import Store
from ivr.store.marianne import month_board
from ivr.store.models import Callback, Message, Request, Survey
from ivr.store.survey_links import answer_link
from tests.fixtures.requests import PARIS
from tests.fixtures.stack import running_stack
from townhall_support.stack import Stack
from townhall_support.wait import eventually

pytestmark = pytest.mark.e2e

# The three callers, each on its own number (a number whose survey was answered is not
# asked again that week) and its own department (each queue has its own agent, so no
# caller waits for another's agent and their keyed steps stay in time).
SURVEY = [Wait(5), Dtmf("1"), Wait(4), Dtmf("11"), Wait(14), Dtmf("4"), Wait(5), Dtmf("1"),
          Wait(6)]
# the survey by SMS (2), then menus 5 (autres démarches), 4 (avis), 1 (réclamation): the
# caller speaks after the beep, ends with #, confirms the callback
COMPLAINT = [Wait(5), Dtmf("2"), Wait(4), Dtmf("541"), Wait(10),
             Say("Bonjour, je voudrais me plaindre du bruit de la salle des fêtes."),
             Dtmf("#"), Wait(16), Dtmf("1"), Wait(8)]
SURVEY_BY_SMS = [Wait(5), Dtmf("2"), Wait(4), Dtmf("12"), Wait(12)]


@pytest.fixture(scope="module")
def surveying(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Every caller is asked the survey's consent; the agent hangs up after 3 s of talk."""
    with AgentPhone(mode="answer", max_seconds=3) as agent, running_stack(
            tmp_path_factory, agent, settings={"survey_one_in": 1}) as stack:
        yield stack


@pytest.fixture(scope="module")
def calls(surveying: Stack) -> dict[str, Future[CallResult]]:
    """The module's calls, placed together at its start (each is about 45 s of keyed
    steps: one after the other they made the module three times as long)."""
    return {"survey": surveying.start_call(steps=SURVEY, hold_seconds=2, caller="0611000001"),
            "complaint": surveying.start_call(steps=COMPLAINT, hold_seconds=2,
                                              caller="0611000002"),
            "survey_by_sms": surveying.start_call(steps=SURVEY_BY_SMS, hold_seconds=2,
                                                  caller="0611000003")}


def test_the_survey_after_an_agent_hangs_up(surveying: Stack,
                                            calls: dict[str, Future[CallResult]]) -> None:
    result = calls["survey"].result(timeout=120)
    assert result.answered
    contact = surveying.contact(result.ref, wait=20, until=lambda c: any(
        e["kind"] == "survey_offered" for e in c["events"]))
    assert contact is not None, surveying.app_log()
    assert any(e["kind"] == "survey_by_phone" for e in contact["events"])
    store = Store(surveying.settings.db_url)
    try:
        def kept() -> Survey | None:
            with store.session() as session:
                return session.scalars(select(Survey).where(
                    Survey.contact_id == contact["id"])).first()
        survey = eventually(kept, timeout=20)
        assert survey is not None, surveying.app_log()
        assert (survey.satisfaction, survey.got_answer) == (4, True)
        assert (survey.department, survey.agent) == (contact["target"], contact["agent"])
        board, _ = month_board(store, Month.of(survey.at, PARIS), PARIS, survey.at)
        assert (board.satisfaction.responses, board.satisfaction.mean) == (1, 4.0)
        assert board.access.picked_up >= 1
    finally:
        store.dispose()


def test_a_complaint_recorded_by_phone(surveying: Stack,
                                      calls: dict[str, Future[CallResult]]) -> None:
    """The complaint call (``COMPLAINT``): a request with its recording and a callback."""
    result = calls["complaint"].result(timeout=120)
    assert result.answered
    contact = surveying.contact(result.ref, wait=20, until=lambda c: c["request_id"] is not None
                                and c["outcome"] is not None)
    assert contact is not None and contact["request_id"], surveying.app_log()
    store = Store(surveying.settings.db_url)
    try:
        with store.session() as session:
            reference = session.get(Request, contact["request_id"]).reference  # type: ignore[union-attr]
        view = repo.get_request(store, reference)
        assert view.type == "reclamation" and view.channel == "phone"
        assert view.acknowledge_due_at is not None and view.due_at > view.acknowledge_due_at
        assert len(view.attachments) == 1, surveying.app_log()  # the WAV really arrived
        wav = surveying.settings.attachments_dir / view.attachments[0].path
        assert wav.read_bytes()[:4] == b"RIFF" and view.attachments[0].size > 8_000
        with store.session() as session:
            callback = session.scalars(select(Callback).where(
                Callback.contact_id == contact["id"])).first()
            assert callback is not None and callback.target == "reclamations"
        assert contact["outcome"] == "callback_requested"
        assert any(e["kind"] == "survey_by_sms" for e in contact["events"])
        assert escalate(surveying, view.acknowledge_due_at + timedelta(hours=1)) == [reference]
        late = repo.get_request(store, reference)
        assert late.escalated_at is not None and late.events[-1].kind == "escalated"
    finally:
        store.dispose()


def test_the_survey_by_sms_after_an_agent_hangs_up(
        surveying: Stack, calls: dict[str, Future[CallResult]]) -> None:
    """2 at the start (by SMS), answered by the agent: once the call is over, the
    Marianne job texts the link, and the page's answers land on the call's survey."""
    result = calls["survey_by_sms"].result(timeout=120)
    assert result.answered
    contact = surveying.contact(result.ref, wait=20, until=lambda c: c["outcome"] == "answered")
    assert contact is not None, surveying.app_log()
    assert any(e["kind"] == "survey_by_sms" for e in contact["events"])
    env = {**os.environ, **surveying.settings.to_env(),
           "TOWNHALL_PUBLIC_URL": "https://mairie.example.org"}
    done = subprocess.run([sys.executable, "-m", "ivr.cli", "marianne", "run", "--once"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "1 lien(s) d'enquête" in done.stderr, done.stderr
    store = Store(surveying.settings.db_url)
    try:
        with store.session() as session:
            survey = session.scalars(select(Survey).where(
                Survey.contact_id == contact["id"])).one()
            sms = session.scalars(select(Message).where(Message.purpose == "enquete")).one()
        assert survey.token and f"https://mairie.example.org/public/avis/{survey.token}" in sms.body
        assert (sms.recipient, survey.agent) == ("+33611000003", contact["agent"])
        answer_link(store, survey.token, LinkAnswers(5, True), survey.at)
        board, _ = month_board(store, Month.of(survey.at, PARIS), PARIS, survey.at)
        assert board.satisfaction.responses >= 1
    finally:
        store.dispose()


def escalate(stack: Stack, clock: datetime) -> list[str]:
    """``townhall-ivr marianne escalate`` as an operator runs it, at ``clock``; the
    references escalated."""
    env = {**os.environ, **stack.settings.to_env(), "TOWNHALL_CLOCK": clock.isoformat()}
    done = subprocess.run([sys.executable, "-m", "ivr.cli", "marianne", "escalate"], env=env,
                          capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stdout + done.stderr
    return [line.strip() for line in done.stdout.splitlines()[1:]]
