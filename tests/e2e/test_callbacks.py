"""Callbacks end to end: asked for in a real call, stored, then performed by the
scheduler through Asterisk to a citizen's phone (SIPp UAS on the citizen trunk) and
put through the queue to an agent's phone. On PostgreSQL (SQLite, the default, in the
callbacks of tests/e2e/test_callbacks_own_stacks.py).

The stack's clock is pinned to a Sunday (everything closed); each scheduler run pins
its own clock (``TOWNHALL_CLOCK``), e.g. at the reopening.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from ivr.callbacks import repository as repo
from ivr.domain import hours
from ivr.rules import load_rules
from ivr.simulate import AgentPhone
from ivr.sipp.scenario import Dtmf, Wait
from ivr.store.db import Store
from ivr.store.models import Callback, Contact, ContactEvent
from tests.fixtures.stack import callback_of, running_stack
from townhall_support.pg import create_pg_database, drop_pg_database, pg_url
from townhall_support.stack import Stack
from townhall_support.wait import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.pg]

SUNDAY = "2026-12-06T10:00:00+01:00"  # every department closed
ANNOUNCE_WAIT = 16.0  # welcome + the closed message, before the 1/2 question is live


@pytest.fixture(scope="module")
def phones() -> Iterator[tuple[AgentPhone, AgentPhone]]:
    """(agent, citizen): the agent answers queue calls, the citizen answers callbacks."""
    with AgentPhone(mode="answer", max_seconds=20) as agent, \
            AgentPhone(mode="answer", max_seconds=30) as citizen:
        yield agent, citizen


@pytest.fixture(scope="module")
def cb_stack(tmp_path_factory: pytest.TempPathFactory,
             phones: tuple[AgentPhone, AgentPhone]) -> Iterator[Stack]:
    """On PostgreSQL, a town hall's production store (both databases' claims are
    tested in tests/unit/callbacks; run on both, this module took 5 minutes of the
    suite's 2 cores)."""
    agent, citizen = phones
    pg_name = create_pg_database()
    changes = {"citizen_trunk": f"sip:127.0.0.1:{citizen.port}", "db_url": pg_url(pg_name)}
    try:
        with running_stack(tmp_path_factory, agent, clock=SUNDAY, settings=changes,
                           sections={"callbacks": {"retry_spacing": 30}}) as running:
            yield running
    finally:
        drop_pg_database(pg_name)


def run_scheduler(stack: Stack, clock: datetime, *extra: str) -> str:
    """``townhall-ivr callbacks run --once`` as the stack runs it, at ``clock``."""
    env = {**os.environ, **stack.settings.to_env(), "TOWNHALL_CLOCK": clock.isoformat()}
    done = subprocess.run([sys.executable, "-m", "ivr.cli", "callbacks", "run", "--once",
                           *extra], env=env, capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def state_of(stack: Stack, callback_id: int) -> tuple[str, int, str | None]:
    store = Store(stack.settings.db_url)
    try:
        with store.session() as session:
            row = session.get(Callback, callback_id)
            assert row is not None
            return row.state, row.attempts, row.outcome
    finally:
        store.dispose()


def outbound(stack: Stack, callback_id: int) -> list[Contact]:
    """The outbound contacts of a callback's attempts, oldest first (the attempt's
    channel id ends with its callback id, see ``DialRequest.channel_id``)."""
    store = Store(stack.settings.db_url)
    try:
        with store.session() as session:
            return list(session.scalars(select(Contact).where(
                Contact.direction == "outbound",
                Contact.call_id.like(f"callback-%-{callback_id}")).order_by(Contact.started_at)))
    finally:
        store.dispose()


def test_closed_hours_request_by_dtmf_then_called_back_at_opening(
        cb_stack: Stack, phones: tuple[AgentPhone, AgentPhone]) -> None:
    agent, citizen = phones
    steps = [Wait(1), Dtmf("11"), Wait(ANNOUNCE_WAIT), Dtmf("1"), Wait(3), Dtmf("1")]
    result = cb_stack.call(steps=steps, hold_seconds=15, caller="0612345678")
    assert result.answered and result.hangup == "remote", result.error  # the IVR hung up
    row = callback_of(cb_stack, result.ref)
    rules = load_rules(cb_stack.settings.rules_path)
    opening = hours.status(rules, "etat-civil", datetime.fromisoformat(SUNDAY)).next_opening
    assert opening is not None
    assert (row.number, row.target, row.state) == ("+33612345678", "etat-civil", "pending")
    assert row.due_at == opening and row.promised_before > opening

    before = (agent.calls_answered, citizen.calls_answered)
    run_scheduler(cb_stack, opening - timedelta(minutes=5))  # still closed: not dialled
    assert state_of(cb_stack, row.id) == ("pending", 0, None)
    run_scheduler(cb_stack, opening + timedelta(minutes=1))
    assert state_of(cb_stack, row.id) == ("done", 1, "answered")
    assert citizen.calls_answered == before[1] + 1
    assert eventually(lambda: agent.calls_answered > before[0]), "the queue never rang the agent"
    # the callback is a contact too: outbound, linked to the call that asked for it, and
    # completed by the queue facts once the agent answered
    assert eventually(lambda: outbound(cb_stack, row.id)[-1].agent is not None, 20)
    attempt = outbound(cb_stack, row.id)[-1]
    assert (attempt.parent_contact_id, attempt.outcome) == (row.contact_id, "answered")


def test_keyed_number_refused_then_a_valid_one_accepted(cb_stack: Stack) -> None:
    steps = [Wait(1), Dtmf("11"), Wait(ANNOUNCE_WAIT), Dtmf("1"), Wait(4),
             Dtmf("0899123456"), Wait(7), Dtmf("0698765432"), Wait(4), Dtmf("1")]
    result = cb_stack.call(steps=steps, hold_seconds=15, caller="anonymous")
    assert result.answered, result.error
    row = callback_of(cb_stack, result.ref)
    assert row.number == "+33698765432"
    store = Store(cb_stack.settings.db_url)
    with store.session() as session:
        keyed = [e.data for e in session.scalars(select(ContactEvent).where(
            ContactEvent.contact_id == row.contact_id,
            ContactEvent.kind == "callback_number_keyed").order_by(ContactEvent.seq))]
    store.dispose()
    assert [(k["ok"], k["reason"]) for k in keyed] == [(False, "premium"), (True, None)]


def test_busy_citizen_is_called_again_and_answers(
        cb_stack: Stack, phones: tuple[AgentPhone, AgentPhone]) -> None:
    agent, _ = phones
    now = datetime.fromisoformat("2026-12-01T10:00:00+01:00")  # a Tuesday: open
    store = Store(cb_stack.settings.db_url)
    with store.session() as session:
        row = repo.request_callback(session, None, "0612345678", "etat-civil", now, None,
                                    now=now)
        callback_id = row.id
    store.dispose()
    with AgentPhone(mode="busy") as busy:
        run_scheduler(cb_stack, now, "--endpoint",
                      f"PJSIP/citizen-trunk/sip:{{national}}@127.0.0.1:{busy.port}")
        assert busy.calls_received == 1
    assert state_of(cb_stack, callback_id) == ("pending", 1, "busy")
    answered = agent.calls_answered
    with AgentPhone(mode="answer", max_seconds=30) as citizen:
        run_scheduler(cb_stack, now + timedelta(seconds=10), "--endpoint",
                      f"PJSIP/citizen-trunk/sip:{{national}}@127.0.0.1:{citizen.port}")
        assert state_of(cb_stack, callback_id) == ("pending", 1, "busy")  # spacing: not yet
        run_scheduler(cb_stack, now + timedelta(seconds=40), "--endpoint",
                      f"PJSIP/citizen-trunk/sip:{{national}}@127.0.0.1:{citizen.port}")
        assert citizen.calls_answered == 1
    assert state_of(cb_stack, callback_id) == ("done", 2, "answered")
    assert eventually(lambda: agent.calls_answered > answered)
    assert [c.outcome for c in outbound(cb_stack, callback_id)] == ["busy", "answered"]
