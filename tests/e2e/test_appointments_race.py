"""Fifty SIPp callers choose the same slot of the maire at the same instant: exactly one
appointment is made, the 49 others hear the next free slot at once. Meanwhile a caller
asks the identity-card counter in the week of the change to winter time, whose Monday
is a public holiday (Toussaint 2027), and is offered the right slots.

One stack (SQLite, the default store), one SIPp process for the fifty calls (each
with its own number from SIPp's injection file, each logging the keys it pressed);
the assertions read the store (the agenda, every call's contact events), the admin's
agenda page and what the callers' scenarios keyed. The same race on both databases
at the store level: tests/unit/appointments/test_appointments_store.py; through calls
on PostgreSQL too (six callers): test_appointments_calls.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from admin import create_app
from admin.accounts import add_user
from ivr.requests.reference import grouped
from ivr.simulate import AgentPhone, LoadResult, default_cache_dir, run_load
from ivr.sipp.scenario import Dtmf, Step, Wait
from ivr.store import appointments as ap
from ivr.store.db import Store
from ivr.store.queries import contact_by_ref, contact_to_dict
from tests.fixtures.admin import PASSWORD, login
from tests.fixtures.stack import running_stack
from townhall_support.stack import Stack
from townhall_support.wait import eventually

pytestmark = pytest.mark.e2e

# Friday before the change to winter time (Sunday 31 October 2027); Monday 1 November
# is Toussaint. The maire receives on Tuesdays and Thursdays from 14:00 (24 h notice).
CLOCK = "2027-10-29T10:00:00+02:00"
FIRST = datetime.fromisoformat("2027-11-02T14:00:00+01:00")
NEXT = FIRST + timedelta(minutes=30)
# The counter (2 h notice, Friday mornings only, closed on the holiday): Tuesday 9:00,
# then 9:25 (20 min slots, 5 min buffer), in winter time.
COUNTER = [datetime.fromisoformat("2027-11-02T09:00:00+01:00"),
           datetime.fromisoformat("2027-11-02T09:25:00+01:00")]
CALLERS = 50
# 5 (autre chose), 3 (vie municipale), 2 (rendez-vous), then the calendar and the motive
MENU: list[Step] = [Wait(1), Dtmf("5"), Wait(2), Dtmf("3"), Wait(2), Dtmf("2"), Wait(3)]
MAIRE_ASSOCIATION: list[Step] = [*MENU, Dtmf("1"), Wait(3), Dtmf("3"), Wait(8)]
COUNTER_CNI: list[Step] = [*MENU, Dtmf("3"), Wait(3), Dtmf("1"), Wait(8)]


@pytest.fixture(scope="module")
def race_stack(tmp_path_factory: pytest.TempPathFactory, agent: AgentPhone) -> Iterator[Stack]:
    with running_stack(tmp_path_factory, agent, clock=CLOCK) as running:
        yield running


def contacts(stack: Stack, refs: list[str]) -> dict[str, dict[str, Any]]:
    """Every call's stored contact with its events, once all of them have ended."""
    store = Store(stack.settings.db_url)

    def read() -> dict[str, dict[str, Any]]:
        with store.session() as session:
            rows = {ref: contact_by_ref(session, ref) for ref in refs}
            return {ref: contact_to_dict(row, events=True) for ref, row in rows.items() if row}

    try:
        found = eventually(read, 60, 0.5, until=lambda got: len(got) == len(refs) and all(
            c["outcome"] is not None for c in got.values()))
    finally:
        store.dispose()
    assert len(found) == len(refs), stack.app_log()
    return found


def events(contact: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["data"] for e in contact["events"] if e["kind"] == kind]


def offered(contact: dict[str, Any]) -> list[datetime]:
    return [datetime.fromisoformat(d["start"]) for d in events(contact, "appointment_offered")]


def test_fifty_callers_choose_one_slot_and_the_holiday_week_after_the_change(
        race_stack: Stack) -> None:
    counter_call = race_stack.start_call(steps=[*COUNTER_CNI, Dtmf("2"), Wait(8)],
                                         hold_seconds=1, caller="0698765432")
    race: LoadResult = run_load(
        "127.0.0.1", race_stack.settings.sip_port, calls=CALLERS, concurrent=CALLERS,
        rate=100, steps=[*MAIRE_ASSOCIATION, Dtmf("1"), Wait(6)], hold_seconds=1,
        callers=[f"06123456{i:02d}" for i in range(CALLERS)], ref_prefix="race",
        timeout=120, cache_dir=default_cache_dir(race_stack.settings))
    assert (race.completed, race.failed) == (CALLERS, 0), race.error
    refs = [f"race-{n}" for n in range(1, CALLERS + 1)]
    # what the callers keyed: the menu, the maire, the motive, then 1 for the offer
    for ref in refs:
        assert [k.split(":")[1] for k in race.keyed if k.startswith(f"{ref}:")] == list("532131")

    store = Store(race_stack.settings.db_url)
    try:
        agenda = ap.agenda(store, "maire", FIRST - timedelta(days=7), FIRST + timedelta(days=60))
        with store.session() as session:
            add_user(session, datetime.fromisoformat(CLOCK), "secretaire", PASSWORD,
                     "superviseur", None, actor="test")
    finally:
        store.dispose()
    assert [(a.start, a.status) for a in agenda] == [(FIRST, "reserve")]
    admin = create_app(race_stack.settings, {"TESTING": True, "AMI_ENABLED": False,
                                             "WTF_CSRF_ENABLED": False}).test_client()
    assert login(admin, "secretaire") == 302
    day = admin.get("/agenda/maire?jour=2027-11-02").get_data(as_text=True)
    assert day.count("Réservé — une association — référence") == 1  # the agenda shows it
    assert f"référence {grouped(agenda[0].reference)}" in day

    calls = contacts(race_stack, refs)
    assert all(offered(c)[0] == FIRST for c in calls.values())  # all chose the same slot
    won = [ref for ref, c in calls.items() if events(c, "appointment_booked")]
    lost = [c for ref, c in calls.items() if ref not in won]
    assert len(won) == 1 and len(lost) == CALLERS - 1
    assert events(calls[won[0]], "appointment_booked")[0]["reference"] == agenda[0].reference
    for contact in lost:  # each heard at once that it was taken, and the next free slot
        assert [datetime.fromisoformat(d["next"])
                for d in events(contact, "appointment_taken")] == [NEXT]
        assert offered(contact) == [FIRST, NEXT]

    counter = counter_call.result()
    assert counter.answered, counter.error
    assert offered(contacts(race_stack, [counter.ref])[counter.ref]) == COUNTER
