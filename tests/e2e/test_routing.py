"""Routing by time and by queue outcome, through the real stack (issue: routing rules,
hours, queues): closed hours, a public holiday, overflow after the maximum wait, a
caller abandoning in the queue, and a bad rules file refused while calls keep flowing."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from ivr.rules import load_rules
from ivr.simulate import AgentPhone
from tests.fixtures.stack import running_stack
from townhall_support.stack import Stack
from townhall_support.wait import eventually

pytestmark = pytest.mark.e2e

SUNDAY = "2026-12-06T10:00:00+01:00"
CHRISTMAS = "2026-12-25T10:00:00+01:00"  # a Friday, a public holiday


@pytest.mark.parametrize("clock", [SUNDAY, CHRISTMAS], ids=["sunday", "christmas"])
def test_closed_department_says_when_it_reopens_and_takes_a_message(
        stack: Stack, clock: str) -> None:
    with stack.clock_pinned(clock):
        # closed message, then the callback offer; silence declines it → voicemail
        result = stack.call(dtmf="11", hold_seconds=30)
        assert result.answered and result.heard_seconds > 2
        contact = stack.contact(result.ref, until=lambda c: c["outcome"] is not None, wait=15)
        assert contact is not None, stack.app_log()
        assert (contact["target"], contact["routed_by"], contact["outcome"]) == (
            "etat-civil", "closed", "voicemail")
        route = next(e for e in contact["events"] if e["kind"] == "route")
        assert route["data"]["closed"] is True
        # the hang-up in the voicemail box ends the contact (dialplan UserEvent over AMI)
        ended = stack.contact(result.ref, until=lambda c: c["hangup_stage"] is not None, wait=45)
        assert ended is not None and ended["hangup_stage"] == "voicemail:etat-civil"
        assert [e["data"]["box"] for e in ended["events"] if e["kind"] == "voicemail_end"] == [
            "etat-civil"]


# Titres d'identité: three agents whose phones ring 3 s before answering, two callers
# at most in the queue beyond the agents ready (BURST is one more than that).
BURST, SLOW_RING = 3, 3.0


@pytest.fixture(scope="module")
def slow_desk(tmp_path_factory: pytest.TempPathFactory, agent: AgentPhone) -> Iterator[Stack]:
    """État civil's only phone never answers; one caller waits there 8 s at most, then
    overflows to the accueil, whose agent answers. Titres d'identité has ``BURST``
    agents on a phone that rings ``SLOW_RING`` seconds and room for ``BURST - 1``."""
    with AgentPhone(mode="noanswer", max_seconds=60) as silent, \
            AgentPhone(ring_seconds=SLOW_RING, max_seconds=60) as ringing:
        slow = f"sip:agent@127.0.0.1:{ringing.port}"
        extra = {f"agent-titres-identite-{n}": {"name": f"Titres {n}", "contact": slow,
                                                "departments": ["titres-identite"]}
                 for n in range(2, BURST + 1)}
        with running_stack(
                tmp_path_factory, agent, sections={"agents": extra},
                contacts={"agent-etat-civil-1": f"sip:agent@127.0.0.1:{silent.port}",
                          "agent-titres-identite-1": slow},
                departments={"etat-civil": {"queue": {"max_wait": 8, "max_callers": 1},
                                            "overflow": "accueil"},
                             "titres-identite": {"queue": {
                                 "strategy": "rrmemory", "wrapup": 0,
                                 "max_callers": BURST - 1}}},
        ) as stack:
            yield stack


def test_overflow_after_the_maximum_wait_reaches_the_accueil(slow_desk: Stack) -> None:
    result = slow_desk.call(dtmf="11", hold_seconds=20)
    assert result.answered
    contact = slow_desk.contact(result.ref, wait=20,
                                until=lambda c: c["talk_seconds"] is not None)
    assert contact is not None, slow_desk.app_log()
    joined = [e["data"]["queue"] for e in contact["events"] if e["kind"] == "queue_join"]
    assert joined == ["etat-civil", "accueil"]
    assert any(e["kind"] == "queue_leave" for e in contact["events"])
    assert (contact["outcome"], contact["agent"]) == ("answered", "agent-accueil-1")


def test_a_full_queue_overflows_at_once(slow_desk: Stack) -> None:
    """``max_callers: 1``: while one caller waits at the état civil, the next one goes
    straight to the accueil instead of joining the line (whichever reached it first)."""
    first = f"full-{uuid.uuid4().hex[:8]}"
    calls = [slow_desk.start_call(dtmf="11", hold_seconds=20, ref=first)]
    # the second caller starts once the first is answered: both reach the queue within
    # its 8-s wait (4 s were too few under the full suite's load: the second caller came
    # after the first had overflowed)
    assert slow_desk.contact(first, wait=15) is not None, slow_desk.app_log()
    calls.append(slow_desk.start_call(dtmf="11", hold_seconds=20))
    # once each call is over (the accueil's one agent talks to one of them only)
    contacts = [slow_desk.contact(call.result(timeout=60).ref, wait=30,
                                  until=lambda c: c["hangup_stage"] is not None)
                for call in calls]
    assert all(c is not None and c["target"] == "etat-civil" for c in contacts)
    joined = sorted([e["data"]["queue"] for e in c["events"] if e["kind"] == "queue_join"]
                    for c in contacts if c is not None)
    assert joined == [["accueil"], ["etat-civil", "accueil"]], slow_desk.app_log()[-2000:]


def test_a_burst_of_callers_meets_free_agents_not_a_full_queue(slow_desk: Stack) -> None:
    """As many callers as free agents, at once: while their agents' phones ring they are
    all in the queue, more than ``max_callers`` (which app_queue's maxlen counted: the
    last one overflowed with agents free), and each is answered by an agent."""
    calls = [slow_desk.start_call(dtmf="12", hold_seconds=12) for _ in range(BURST)]
    contacts = [slow_desk.contact(call.result(timeout=60).ref, wait=30,
                                  until=lambda c: c["hangup_stage"] is not None)
                for call in calls]
    ended = [(c["target"], c["outcome"], [e["data"]["queue"] for e in c["events"]
                                          if e["kind"] == "queue_join"])
             for c in contacts if c is not None]
    assert ended == [("titres-identite", "answered", ["titres-identite"])] * BURST, \
        slow_desk.app_log()[-2000:]
    assert len({c["agent"] for c in contacts if c is not None}) == BURST


def test_hanging_up_in_the_queue_is_an_abandon(slow_desk: Stack) -> None:
    result = slow_desk.call(dtmf="11", hold_seconds=6)  # ~2 s in the queue
    contact = slow_desk.contact(result.ref, wait=15,
                                until=lambda c: c["outcome"] == "abandoned_queue")
    assert contact is not None
    assert contact["outcome"] == "abandoned_queue"
    assert contact["hangup_stage"] == "queue:etat-civil"


def test_bad_rules_are_refused_and_calls_keep_flowing(stack: Stack) -> None:
    rules_file = stack.settings.rules_path
    good = rules_file.read_text()
    try:
        rules_file.write_text(good.replace("version: 1", "version: 1\nbogus_key: true", 1))
        assert eventually(lambda: "rules refused" in stack.app_log())  # it watches the file
        result = stack.call(dtmf="11", hold_seconds=3)
        contact = stack.contact(result.ref, until=lambda c: c["target"] is not None)
        assert contact is not None and contact["target"] == "etat-civil"
        # a valid change goes live for the next calls: key 4 now leads to the CCAS
        changed = good.replace("{label: nos horaires, action: hours}",
                               "{label: le CCAS, target: social}", 1)
        assert changed != good
        candidate = rules_file.with_name("candidate.yaml")
        candidate.write_text(changed)
        load_rules(candidate)  # the change itself is valid
        rules_file.write_text(changed)
        assert eventually(lambda: "rules live" in stack.app_log())
        result = stack.call(dtmf="4", hold_seconds=3)
        contact = stack.contact(result.ref, until=lambda c: c["target"] is not None)
        assert contact is not None and contact["target"] == "social"
    finally:
        rules_file.write_text(good)
