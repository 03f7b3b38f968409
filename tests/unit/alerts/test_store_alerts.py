"""Alert campaigns in the store: audience, start/stop, exactly-once claims, outcomes,
live counts, help requests and the SMS/e-mail fallback (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from ivr.alerts.policy import Result
from ivr.requests.errors import InvalidInput
from ivr.store import alerts as repo
from ivr.store.db import Store
from ivr.store.models import AlertAttempt, AlertRecipient, Callback, Message, Request
from tests.fixtures.alerts import T0, campaign, numbers, register, rules_with_cell, subscribe
from tests.fixtures.requests import RULES

WORKER = "dialer-a"


def claim(store: Store, campaign_id: int, limit: int = 10, worker: str = WORKER,
          at: timedelta = timedelta(0), lease: float = 60) -> list[repo.Claim]:
    with store.session() as session:
        return repo.claim_due(session, campaign_id, T0 + at, worker, limit, lease)


def record(store: Store, item: repo.Claim, result: Result, at: timedelta = timedelta(0),
           worker: str = WORKER) -> str | None:
    with store.session() as session:
        decision = repo.record_result(session, item, worker, result, T0 + at)
        return None if decision is None else decision.state


def test_audience_is_register_and_consenting_subscribers_vulnerable_first(store: Store) -> None:
    register(store, [("Mme Durand", "+33612000001", False), ("M. Petit", "+33612000002", True)])
    subscribe(store, "+33612000003")
    subscribe(store, "+33612000004", subscribed=False)  # withdrew consent
    subscribe(store, "+33612000001")  # also in the register: called once
    campaign_id = campaign(store, start=False)
    with store.session() as session:
        rows = repo.recipients(session, campaign_id)
        got = [(r.number, r.source, r.vulnerable) for r in rows]
    assert got == [("+33612000002", "registre", True), ("+33612000001", "registre", False),
                   ("+33612000003", "abonne", False)]


def test_test_mode_calls_the_crisis_cell_only(store: Store) -> None:
    register(store, numbers(3))
    campaign_id = campaign(store, test_mode=True, rules=rules_with_cell(), start=False)
    with store.session() as session:
        assert {(r.number, r.source) for r in repo.recipients(session, campaign_id)} == {
            ("+33611111111", "cellule"), ("+33611111112", "cellule")}
    with pytest.raises(InvalidInput, match="cellule de crise"):
        campaign(store, test_mode=True)  # the shipped rules declare nobody


def test_bad_campaigns_are_refused_in_french(store: Store) -> None:
    register(store, numbers(1))
    with store.session() as session:
        for new, message in [
            (repo.NewCampaign("", "alerte", "cli", "texte"), "titre"),
            (repo.NewCampaign("Crue", "panique", "cli", "texte"), "Mode inconnu"),
            (repo.NewCampaign("Crue", "alerte", "cli", " "), "message est obligatoire"),
            (repo.NewCampaign("Crue", "alerte", "cli", "x", channel_budget=0), "positif"),
        ]:
            with pytest.raises(InvalidInput, match=message):
                repo.create_campaign(session, RULES.alerts, new, T0)


def test_second_running_campaign_needs_confirmation(store: Store) -> None:
    register(store, numbers(2))
    first = campaign(store)
    second = campaign(store, start=False)
    with store.session() as session, pytest.raises(repo.AlreadyRunning, match="confirmez"):
        repo.start(session, second, T0)
    with store.session() as session:
        assert repo.start(session, second, T0, confirm=True).status == "en_cours"
        assert [c.id for c in repo.running(session)] == [first, second]


def test_stop_and_resume(store: Store) -> None:
    register(store, numbers(3))
    campaign_id = campaign(store)
    with store.session() as session:
        repo.stop(session, campaign_id, T0)
    assert claim(store, campaign_id) == []  # a stopped campaign dials nobody
    with store.session() as session:
        with pytest.raises(InvalidInput, match="pas en cours"):
            repo.stop(session, campaign_id, T0)
        assert repo.resume(session, campaign_id, T0).status == "en_cours"
    assert len(claim(store, campaign_id)) == 3


def test_claims_vulnerable_first_and_never_twice(store: Store) -> None:
    register(store, numbers(6, vulnerable_every=3))  # 0 and 3 vulnerable
    campaign_id = campaign(store)
    first = claim(store, campaign_id, limit=2)
    assert [c.vulnerable for c in first] == [True, True]
    rest = claim(store, campaign_id, limit=10, worker="dialer-b")
    assert len(rest) == 4 and not {c.recipient_id for c in first} & {c.recipient_id for c in rest}
    assert claim(store, campaign_id) == []


def test_alert_mode_redials_until_acknowledged_then_never_again(store: Store) -> None:
    register(store, numbers(1))
    campaign_id = campaign(store, max_attempts=3, retry_spacing_seconds=60)
    [first] = claim(store, campaign_id)
    assert record(store, first, Result.BUSY) == "en_attente"
    assert claim(store, campaign_id, at=timedelta(seconds=30)) == []  # spacing
    [second] = claim(store, campaign_id, at=timedelta(seconds=61))
    assert second.attempt == 2
    assert record(store, second, Result.ACKNOWLEDGED, timedelta(seconds=70)) == "acquitte"
    assert claim(store, campaign_id, at=timedelta(hours=1)) == []
    with store.session() as session:
        assert repo.finish_if_done(session, campaign_id, T0)
        results = session.scalars(select(AlertAttempt.result).order_by(AlertAttempt.id)).all()
    assert results == ["occupe", "acquitte"]


def test_attempts_exhausted_end_with_the_reason(store: Store) -> None:
    register(store, [("A", "+33612000001", False), ("B", "+33612000002", False)])
    campaign_id = campaign(store, max_attempts=2, retry_spacing_seconds=1)
    for at in (0, 5):
        for item in claim(store, campaign_id, at=timedelta(seconds=at)):
            record(store, item, Result.NO_ANSWER if item.number.endswith("1")
                   else Result.NO_KEY, timedelta(seconds=at))
    with store.session() as session:
        counts = repo.counts(session, campaign_id)
    assert counts.by_state == {"echec": 1, "non_acquitte": 1}
    assert counts.failed == {"pas de réponse (2 appels)": 1, "a répondu sans taper 1 (2 appels)": 1}
    assert counts.reached == 1 and counts.pending == 0


def test_unreached_get_the_message_by_sms_and_email_past_quiet_hours(store: Store) -> None:
    register(store, [("A", "+33612000001", False)], email="a@example.fr")
    register(store, [("B", "+33140000000", False)])  # a landline: no SMS
    campaign_id = campaign(store, max_attempts=1)
    for item in claim(store, campaign_id):
        record(store, item, Result.BUSY)
    with store.session() as session:
        sent = {(m.channel, m.recipient, m.alert) for m in session.scalars(select(Message))}
    assert sent == {("sms", "+33612000001", True), ("email", "a@example.fr", True)}


def test_written_copies_to_everyone_at_the_start_or_to_nobody(store: Store) -> None:
    register(store, [("A", "+33612000001", False), ("B", "+33612000002", False)])
    for copies, expected in (("parallele", 2), ("aucune", 0)):
        with store.session() as session:
            new = repo.NewCampaign(f"Crue {copies}", "alerte", "cli", "Montez.",
                                   max_attempts=1, text_copies=copies)
            campaign_id = repo.create_campaign(session, RULES.alerts, new, T0).id
            repo.start(session, campaign_id, T0, confirm=True)
            repo.stop(session, campaign_id, T0)
            repo.resume(session, campaign_id, T0, confirm=True)  # not sent again
        for item in claim(store, campaign_id):
            record(store, item, Result.BUSY)  # no fallback on top
        with store.session() as session:
            sent = session.scalars(select(Message).where(
                Message.dedupe_key.like(f"alert:{campaign_id}:%"))).all()
        assert len(sent) == expected
    with store.session() as session, pytest.raises(InvalidInput, match="Copie écrite"):
        repo.create_campaign(session, RULES.alerts, repo.NewCampaign(
            "Crue", "alerte", "cli", "x", text_copies="pigeon"), T0)


def test_expired_claims_are_dialled_again_and_late_results_ignored(store: Store) -> None:
    register(store, numbers(2))
    campaign_id = campaign(store)
    lost = claim(store, campaign_id, lease=30)
    with store.session() as session:
        assert repo.release_expired(session, T0 + timedelta(seconds=10)) == 0
        assert repo.release_expired(session, T0 + timedelta(seconds=31)) == 2
    again = claim(store, campaign_id, worker="dialer-b", at=timedelta(seconds=32))
    assert {c.recipient_id for c in again} == {c.recipient_id for c in lost}
    assert record(store, lost[0], Result.ACKNOWLEDGED) is None  # the dead dialer's claim
    with store.session() as session:
        assert repo.release_worker(session, "dialer-b", T0) == 2
        interrupted = session.scalars(select(AlertAttempt.result)).all()
    assert Counter(interrupted) == {"interrompu": 4}


def test_help_creates_a_ccas_request_and_a_priority_callback(store: Store) -> None:
    register(store, [("M. Petit", "+33612000002", True)])
    campaign_id = campaign(store)
    [item] = claim(store, campaign_id)
    with store.session() as session:
        request_id = repo.help_request(session, RULES, item, T0)
        repo.record_result(session, item, WORKER, Result.HELP, T0, help_request_id=request_id)
    with store.session() as session:
        request = session.get(Request, request_id)
        assert request is not None and request.department == "social"
        assert request.type == "aide-alerte" and "vulnérable" in (request.description or "")
        callback = session.scalars(select(Callback)).one()
        assert (callback.number, callback.target, callback.priority) == (
            "+33612000002", "social", repo.HELP_PRIORITY)
        row = session.get(AlertRecipient, item.recipient_id)
        assert row is not None and row.state == "aide" and row.help_request_id == request_id
        assert repo.counts(session, campaign_id).help == 1


def test_pacing_counts_every_dialer(store: Store) -> None:
    register(store, numbers(5))
    campaign_id = campaign(store)
    items = claim(store, campaign_id, limit=3) + claim(store, campaign_id, limit=1, worker="b")
    record(store, items[0], Result.ACKNOWLEDGED)
    with store.session() as session:
        assert repo.pacing_counts(session, campaign_id, T0) == (3, 4)
        assert repo.pacing_counts(session, campaign_id, T0 + timedelta(minutes=2)) == (3, 0)


def test_two_claimers_at_once_take_each_recipient_once(db_url: str, store: Store) -> None:
    register(store, numbers(300))
    campaign_id = campaign(store)
    taken: list[int] = []
    barrier = threading.Barrier(2)

    def work(worker: str) -> None:
        own = Store(db_url)
        try:
            barrier.wait()
            while batch := claim(own, campaign_id, limit=7, worker=worker):
                taken.extend(c.recipient_id for c in batch)
        finally:
            own.dispose()

    threads = [threading.Thread(target=work, args=(w,)) for w in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(taken) == 300 and len(set(taken)) == 300
