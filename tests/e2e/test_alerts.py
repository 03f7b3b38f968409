"""Flood alerts end to end: the alert dialer (``townhall-ivr alerts run``) calls SIPp
residents' phones through the real Asterisk; each phone acknowledges, asks for help,
answers without a key, is busy, does not answer or rejects, and every recipient ends in
the state its phone calls for; help requests land in the CCAS worklist; the vulnerable
are called first — 1,000 recipients over 200 channels, on PostgreSQL. On SQLite, a
second stack: a dialer killed with SIGKILL mid-campaign and started again calls nobody
who acknowledged twice and skips nobody; information mode tells an answering machine
(its spoken greeting) from a person (« Allô ? ») through ``AMD()``.

Timings (campaign sizes of 2,000 with 20 s messages) are in ``bench/alerts.py``.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, func, select

from ivr.domain.phone_numbers import national_digits
from ivr.rules import load_rules
from ivr.simulate import AgentPhone
from ivr.store import alerts as repo
from ivr.store.db import Store
from ivr.store.models import AlertAttempt, AlertRecipient, SafeguardEntry
from ivr.store.requests import worklist
from tests.fixtures.stack import running_stack
from townhall_support.alert_phones import ResidentPhones
from townhall_support.pg import create_pg_database, drop_pg_database, pg_url
from townhall_support.ports import rtp_range
from townhall_support.stack import Stack
from townhall_support.wait import eventually

pytestmark = pytest.mark.e2e

# The main campaign: its size, its channel budget, and the phones by the numbers' last
# digit (``townhall_support.alert_phones``), repeated in this proportion.
VOLUME, BUDGET, CAMPAIGN_TIMEOUT = 1000, 200, 240
PHONES = "1111123456"
EXPECTED = {"1": "acquitte", "2": "aide", "3": "non_acquitte", "4": "echec", "5": "echec",
            "6": "echec"}


@pytest.fixture(scope="module")
def phones(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ResidentPhones]:
    with ResidentPhones(tmp_path_factory.mktemp("dtmf"), key_after=0.8, ring=0.5,
                        hold=30) as residents:
        yield residents


@contextmanager
def residents_stack(tmp_path_factory: pytest.TempPathFactory, phones: ResidentPhones,
                    **settings: object) -> Iterator[Stack]:
    """A stack whose citizen trunk leads to the residents' phones."""
    with AgentPhone(mode="answer", max_seconds=5) as agent, running_stack(
            tmp_path_factory, agent,
            settings={"citizen_trunk": f"sip:127.0.0.1:{phones.port}", **settings}) as running:
        yield running


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory,
          phones: ResidentPhones) -> Iterator[Stack]:
    """The small campaigns' stack, on SQLite."""
    with residents_stack(tmp_path_factory, phones) as running:
        yield running


@pytest.fixture(scope="module")
def pg_stack(tmp_path_factory: pytest.TempPathFactory,
             phones: ResidentPhones) -> Iterator[Stack]:
    """The 1,000-recipient campaign's stack, on PostgreSQL (claims with SKIP LOCKED)."""
    # an RTP port pair per channel, and room
    rtp_start, rtp_end = rtp_range(5 * BUDGET)
    name = create_pg_database()
    try:
        with residents_stack(tmp_path_factory, phones, db_url=pg_url(name),
                             rtp_start=rtp_start, rtp_end=rtp_end) as running:
            yield running
    finally:
        drop_pg_database(name)


class Dialer:
    """``townhall-ivr alerts run`` as the stack runs it (real time, fixed worker id)."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = stack.settings.home / "alerts.log"

    def start(self) -> None:
        env = {**os.environ, **self.stack.settings.to_env(), "TOWNHALL_CLOCK": ""}
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "ivr.cli", "alerts", "run", "--worker", "e2e-alerts",
                 "--key-wait", "1", "--ring-timeout", "10"],
                env=env, stdout=out, stderr=subprocess.STDOUT)

    def kill(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(15)


@contextmanager
def running_dialer(stack: Stack) -> Iterator[Dialer]:
    running = Dialer(stack)
    running.start()
    try:
        yield running
    finally:
        running.kill()


@pytest.fixture
def dialer(stack: Stack) -> Iterator[Dialer]:
    with running_dialer(stack) as running:
        yield running


@pytest.fixture
def pg_dialer(pg_stack: Stack) -> Iterator[Dialer]:
    with running_dialer(pg_stack) as running:
        yield running


def launch(stack: Stack, rows: list[tuple[str, bool]], mode: str = "alerte", *,
           channel_budget: int | None = None, calls_per_minute: int | None = None,
           max_attempts: int | None = None, retry_spacing_seconds: int | None = None) -> int:
    """Replace the register with ``rows`` (number, vulnerable) and start a campaign."""
    rules = load_rules(stack.settings.rules_path)
    store = Store(stack.settings.db_url)
    now = datetime.now(UTC)
    try:
        with store.session() as session:
            session.execute(delete(SafeguardEntry))
            session.add_all(SafeguardEntry(name=f"Habitant {n}", number=n, vulnerable=v,
                                           imported_at=now) for n, v in rows)
        with store.session() as session:
            new = repo.NewCampaign(
                "Crue de la Seine", mode, "cli", "Alerte crue.", channel_budget=channel_budget,
                calls_per_minute=calls_per_minute, max_attempts=max_attempts,
                retry_spacing_seconds=retry_spacing_seconds)
            campaign_id = repo.create_campaign(session, rules.alerts, new, now).id
            repo.start(session, campaign_id, now, confirm=True)
        return campaign_id
    finally:
        store.dispose()


def finished(stack: Stack, campaign_id: int, dialer: Dialer, timeout: float) -> None:
    store = Store(stack.settings.db_url)

    def status() -> str:
        with store.session() as session:
            return repo.get_campaign(session, campaign_id).status

    try:
        eventually(status, timeout, 0.5, until=lambda s: s == "terminee")
        assert status() == "terminee", dialer.log.read_text()[-3000:]
    finally:
        store.dispose()


def states(stack: Stack, campaign_id: int) -> dict[str, tuple[str, int, int]]:
    """number → (state, attempts, interrupted attempts)."""
    store = Store(stack.settings.db_url)
    try:
        with store.session() as session:
            interrupted = dict(session.execute(
                select(AlertAttempt.recipient_id, func.count())
                .where(AlertAttempt.result == "interrompu")
                .group_by(AlertAttempt.recipient_id)).tuples().all())
            return {r.number: (r.state, r.attempts, interrupted.get(r.id, 0))
                    for r in session.scalars(select(AlertRecipient).where(
                        AlertRecipient.campaign_id == campaign_id))}
    finally:
        store.dispose()


@pytest.mark.pg
def test_every_phone_ends_in_its_state_vulnerable_first(pg_stack: Stack, phones: ResidentPhones,
                                                        pg_dialer: Dialer) -> None:
    stack, dialer = pg_stack, pg_dialer
    numbers = [f"+336{i:07d}{PHONES[i % len(PHONES)]}" for i in range(VOLUME)]
    vulnerable = set(numbers[-max(2, VOLUME // 100):])  # registered last, called first
    campaign_id = launch(stack, [(n, n in vulnerable) for n in numbers], channel_budget=BUDGET,
                         calls_per_minute=60_000, max_attempts=2, retry_spacing_seconds=1)
    finished(stack, campaign_id, dialer, CAMPAIGN_TIMEOUT)
    got = states(stack, campaign_id)
    assert {n: s for n, (s, _, _) in got.items()} == {n: EXPECTED[n[-1]] for n in numbers}
    calls = phones.invites()
    national = {n: national_digits(n) for n in numbers}
    assert {n: calls[national[n]] for n in numbers} == {  # the others redialled once
        n: 1 if n[-1] in "12" else 2 for n in numbers}, warnings(dialer)
    order = [number for number in calls if number in national.values()]  # first calls first
    assert {national[n] for n in vulnerable} <= set(order[:BUDGET])  # in the first round
    store = Store(stack.settings.db_url)
    try:
        helped = worklist(store, now=datetime.now(UTC), department="social", limit=VOLUME)
    finally:
        store.dispose()
    assert [r.type for r in helped] == ["aide-alerte"] * sum(n[-1] == "2" for n in numbers)


def warnings(dialer: Dialer) -> list[str]:
    """The dialer's last warnings (calls that failed before ringing, with their cause)."""
    return [line for line in dialer.log.read_text().splitlines() if "WARNING" in line][-20:]


def test_a_killed_dialer_calls_no_acknowledged_twice_and_skips_nobody(
        stack: Stack, phones: ResidentPhones, dialer: Dialer) -> None:
    numbers = [f"+336130{i:04d}1" for i in range(18)]
    campaign_id = launch(stack, [(n, False) for n in numbers], channel_budget=6)

    def acknowledged() -> int:
        return sum(1 for s, _, _ in states(stack, campaign_id).values() if s == "acquitte")

    eventually(acknowledged, 40, 0.2, until=lambda n: n >= 6)
    dialer.kill(signal.SIGKILL)
    dialer.start()  # as the stack's supervisor does
    finished(stack, campaign_id, dialer, 60)
    got = states(stack, campaign_id)
    assert {s for s, _, _ in got.values()} == {"acquitte"}  # nobody skipped
    calls = phones.invites()
    assert {n: calls[national_digits(n)] for n in numbers} == {
        n: 1 + interrupted for n, (_, _, interrupted) in got.items()}
    assert sum(i for _, _, i in got.values()) <= 6  # only the calls in progress at the kill


def test_information_mode_tells_machines_from_people(stack: Stack, dialer: Dialer) -> None:
    """Through ``AMD()`` on audio the phones really send: a long spoken greeting is a
    machine, which gets the message left on it (last attempt); « Allô ? » then silence
    is a person, who hears the message and acknowledges; a phone sending no sound at
    all leaves ``AMD()`` unsure, and is played the message as a person would be."""
    machine, person, silent = "+33612009997", "+33612009998", "+33612009993"
    campaign_id = launch(stack, [(machine, False), (person, False), (silent, False)],
                         mode="information", max_attempts=1)
    finished(stack, campaign_id, dialer, 60)
    assert states(stack, campaign_id) == {machine: ("messagerie", 1, 0),
                                          person: ("acquitte", 1, 0),
                                          silent: ("non_acquitte", 1, 0)}
    assert amd_verdicts(stack, campaign_id, dialer) == {
        machine: "MACHINE", person: "HUMAN", silent: "NOTSURE"}, dialer.log.read_text()[-3000:]


def amd_verdicts(stack: Stack, campaign_id: int, dialer: Dialer) -> dict[str, str]:
    """number → ``AMD()``'s verdict, from the dialer's log (channel ids
    ``alert-<campaign>-<recipient>-<attempt>``)."""
    store = Store(stack.settings.db_url)
    try:
        with store.session() as session:
            numbers = dict(session.execute(select(AlertRecipient.id, AlertRecipient.number)
                                           .where(AlertRecipient.campaign_id == campaign_id))
                           .tuples().all())
    finally:
        store.dispose()
    out = {}
    for line in dialer.log.read_text().splitlines():
        channel = re.search(rf"channel=alert-{campaign_id}-(\d+)-", line)
        verdict = re.search(r"amd=(\w+)", line)
        if "alert call answered" in line and channel and verdict:
            out[numbers[int(channel[1])]] = verdict[1]
    return out
