"""The alert dialer's loop with a fake caller: pacing, every recipient to the final
state its phone calls for, help requests in the CCAS worklist, and a dialer that dies
mid-campaign replaced without calling an acknowledged recipient twice (both databases)."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import select

from ivr.alerts.adapters.caller import CallRequest, Report
from ivr.alerts.adapters.runner import AlertRunner, RunnerConfig
from ivr.alerts.policy import Result
from ivr.store import alerts as repo
from ivr.store.db import Store
from ivr.store.models import AlertRecipient, Request
from tests.fixtures.alerts import T0, campaign, register
from tests.fixtures.requests import RULES

# the phone's behaviour by the number's last digit
PHONES = {"1": Result.ACKNOWLEDGED, "2": Result.HELP, "3": Result.NO_KEY, "4": Result.BUSY,
          "5": Result.NO_ANSWER, "6": Result.REJECTED}
EXPECTED = {"1": "acquitte", "2": "aide", "3": "non_acquitte", "4": "echec", "5": "echec",
            "6": "echec"}


class Clock:
    def __init__(self) -> None:
        self.at = T0

    def __call__(self) -> datetime:
        return self.at


class FakePhones:
    """Answers as ``PHONES`` says; ``hang`` numbers never end (the dialer dies)."""

    def __init__(self, hang: bool = False) -> None:
        self.dialled: list[str] = []
        self.hang = hang
        self.concurrent = self.peak = 0

    async def call(self, request: CallRequest, report: Report) -> None:
        self.dialled.append(request.number)
        self.concurrent += 1
        self.peak = max(self.peak, self.concurrent)
        try:
            if self.hang:
                await asyncio.Event().wait()
            await asyncio.sleep(0.01)
            await report(PHONES.get(request.number[-1], Result.ACKNOWLEDGED))
        finally:
            self.concurrent -= 1


def audience(store: Store, per_kind: int = 3) -> None:
    register(store, [(f"H{i}{d}", f"+336123400{i}{d}", d == "2" and i == 0)
                     for i in range(per_kind) for d in PHONES])


async def run_until_done(runner: AlertRunner, clock: Clock, campaign_id: int) -> None:
    for _ in range(200):
        await runner.tick()
        await runner.drain()
        with runner.store.session() as session:
            if repo.get_campaign(session, campaign_id).status == "terminee":
                return
        clock.at += timedelta(seconds=61)
    raise AssertionError("the campaign never finished")


def test_every_phone_ends_in_its_state(store: Store) -> None:
    audience(store)
    campaign_id = campaign(store, max_attempts=2, retry_spacing_seconds=60)
    clock, phones = Clock(), FakePhones()
    runner = AlertRunner(store, RULES, phones, "dialer-1", clock, lambda c: ("sound:x",))
    asyncio.run(run_until_done(runner, clock, campaign_id))
    with store.session() as session:
        states = {r.number: r.state for r in repo.recipients(session, campaign_id)}
        helped = session.scalars(select(Request).where(Request.department == "social")).all()
    assert all(state == EXPECTED[number[-1]] for number, state in states.items())
    assert len(helped) == 3
    calls = Counter(phones.dialled)
    assert {calls[n] for n in states if n[-1] in "12"} == {1}  # never called again
    assert {calls[n] for n in states if n[-1] in "3456"} == {2}  # redialled up to the max
    assert phones.dialled[0] == "+33612340002"  # the vulnerable one first


def test_pacing_limits_concurrent_calls(store: Store) -> None:
    register(store, [(None, f"+3361230{i:04d}", False) for i in range(40)])
    with store.session() as session:
        new = repo.NewCampaign("Crue", "alerte", "cli", "Montez à l'étage.", channel_budget=5,
                               calls_per_minute=12)
        campaign_id = repo.create_campaign(session, RULES.alerts, new, T0).id
        repo.start(session, campaign_id, T0)
    clock, phones = Clock(), FakePhones()
    runner = AlertRunner(store, RULES, phones, "dialer-1", clock, lambda c: ())

    async def one_minute() -> None:
        for _ in range(10):
            await runner.tick()
            await asyncio.sleep(0.05)  # calls end, channels free up: the rate still holds
        await runner.drain()

    asyncio.run(one_minute())
    assert phones.peak <= 5 and len(phones.dialled) == 12  # rate: 12 in the first minute


def test_a_dead_dialer_is_replaced_and_nobody_is_called_twice(store: Store) -> None:
    audience(store, per_kind=2)
    campaign_id = campaign(store, max_attempts=1, channel_budget=4)
    clock = Clock()
    first = AlertRunner(store, RULES, FakePhones(), "dialer-1", clock, lambda c: ())
    asyncio.run(run_some(first, 1))  # half the audience done
    dying = FakePhones(hang=True)
    dead = AlertRunner(store, RULES, dying, "dialer-1", clock, lambda c: ())
    asyncio.run(run_some(dead, 1, drain=False))  # claims, then « kill -9 »
    assert dying.dialled
    phones = FakePhones()
    restarted = AlertRunner(store, RULES, phones, "dialer-1", clock, lambda c: (),
                            RunnerConfig(lease_seconds=600))
    assert restarted.recover() == len(dying.dialled)
    asyncio.run(run_until_done(restarted, clock, campaign_id))
    with store.session() as session:
        rows = session.scalars(select(AlertRecipient)).all()
    assert all(row.state == EXPECTED[row.number[-1]] for row in rows)  # nobody skipped
    acknowledged = {r.number for r in rows if r.state in ("acquitte", "aide")}
    assert not acknowledged & set(phones.dialled) - set(dying.dialled)


async def run_some(runner: AlertRunner, ticks: int, drain: bool = True) -> None:
    runner.config = RunnerConfig(lease_seconds=600)
    for _ in range(ticks):
        await runner.tick()
    if drain:
        await runner.drain()
    else:
        await asyncio.sleep(0.05)
        for task in runner.calls:
            task.cancel()
