"""Queue events become contact facts: wait, agent, talk time, outcome."""

from datetime import UTC, datetime, timedelta

from ivr.telephony.call import record
from ivr.telephony.queue_events import (
    AgentCompleted,
    AgentConnected,
    CallEnded,
    CallerAbandoned,
    CallerJoined,
    CallerLeft,
    MemberPaused,
    VoicemailEnded,
    parse_event,
)
from ivr.telephony.queue_facts import QueueFacts
from tests.fixtures.telephony import FakeRecorder

AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def run(*events) -> list[tuple[str, str, dict]]:
    """The writer calls the events stand for: (method, call id, keyword arguments)."""
    recorder = FakeRecorder()
    facts = QueueFacts(lambda call_id, command, _seq: record(recorder, call_id, command))
    for event in events:
        facts(event)
    return recorder.ops


def test_answered_call_gets_wait_agent_and_talk() -> None:
    out = run(CallerJoined("etat-civil", AT, "c1", "0612", 1),
              AgentConnected("etat-civil", AT, "c1", "PJSIP/agent-etat-civil-1", 12, 3),
              CallerLeft("etat-civil", AT, "c1"),
              AgentCompleted("etat-civil", AT, "c1", "PJSIP/agent-etat-civil-1", 12, 95,
                             "caller"))
    assert [m for m, _, _ in out] == ["event", "update", "event", "update", "finish"]
    assert out[3][2] == {"answered_at": AT, "wait_seconds": 12.0, "agent": "agent-etat-civil-1",
                         "outcome": "answered"}
    final = out[-1][2]
    assert (final["outcome"], final["agent"], final["wait_seconds"], final["talk_seconds"]) == (
        "answered", "agent-etat-civil-1", 12.0, 95.0)


def test_an_agent_complete_without_the_caller_is_tied_by_the_agent_channel() -> None:
    """Under load Asterisk sent AgentComplete with no Uniqueid once the caller's channel
    was gone: the agent's channel (DestUniqueid) names the call it talked to."""
    out = run(AgentConnected("social", AT, "c7", "PJSIP/a1", 2, 1, "a1-leg"),
              AgentCompleted("social", AT, "", "PJSIP/a1", 2, 30, "caller", "a1-leg"))
    assert out[-1][:2] == ("finish", "c7") and out[-1][2]["talk_seconds"] == 30.0


def test_a_fact_naming_no_call_is_not_recorded() -> None:
    """It would be a contact of its own, and in the writer it failed every batch."""
    assert run(AgentCompleted("social", AT, "", "PJSIP/a1", 2, 30, "caller", "unknown")) == []
    assert run(CallerJoined("social", AT, "", "0612", 1)) == []


def test_abandon_is_not_mistaken_for_overflow_in_either_order() -> None:
    for order in ((0, 1), (1, 0)):
        pair = [CallerAbandoned("social", AT, "c2", 1, 1, 40), CallerLeft("social", AT, "c2")]
        out = run(pair[order[0]], pair[order[1]])
        outcomes = [kw.get("outcome") for _, _, kw in out if "outcome" in kw]
        assert outcomes[-1] == "abandoned_queue"


def test_leaving_unanswered_is_an_overflow() -> None:
    out = run(CallerJoined("urbanisme", AT, "c3", "0612", 1), CallerLeft("urbanisme", AT, "c3"))
    assert out[-1] == ("update", "c3", {"outcome": "overflow"})


def test_agent_state_events_record_nothing() -> None:
    assert run(MemberPaused("accueil", AT, "PJSIP/agent-accueil-1", True, "pause")) == []


def test_the_end_of_a_voicemail_call_ends_the_contact() -> None:
    headers = {"Event": "UserEvent", "UserEvent": "TownhallVoicemailEnd",
               "Queue": "police-municipale", "Uniqueid": "c4", "Status": "SUCCESS"}
    event = parse_event(headers, AT)
    assert event == VoicemailEnded("police-municipale", AT, "c4", "SUCCESS")
    assert run(event)[-1] == ("finish", "c4", {
        "ended_at": AT, "outcome": "voicemail", "hangup_stage": "voicemail:police-municipale"})
    assert parse_event({**headers, "UserEvent": "SomethingElse"}, AT) is None


def test_a_queued_call_hanging_up_is_closed_not_finished() -> None:
    headers = {"Event": "UserEvent", "UserEvent": "TownhallCallEnd", "Queue": "social",
               "Uniqueid": "c5"}
    event = parse_event(headers, AT)
    assert event == CallEnded("social", AT, "c5")
    assert run(event) == [("close", "c5", {
        "ended_at": AT, "outcome": "abandoned_queue", "hangup_stage": "handoff:social"})]


def test_every_listener_gives_a_stamped_fact_the_same_seqs() -> None:
    """Each IVR process hears the same AMI event: its ops get seqs from Asterisk's
    timestamp, the same in every process (the store keeps one copy), in fact order."""
    headers = {"Event": "QueueCallerJoin", "Queue": "etat-civil", "Uniqueid": "c1",
               "CallerIDNum": "0612", "Position": "1", "Timestamp": "1764580000.123456"}
    seen: list[list[tuple[str, int | None]]] = []
    for later in (0, 2):  # two processes, reading the event at different instants
        event = parse_event(headers, AT + timedelta(seconds=later))
        assert event is not None and event.stamp == 1764580000.123456
        out: list[tuple[str, int | None]] = []
        QueueFacts(lambda call_id, command, seq, out=out: out.append((call_id, seq)))(event)
        seen.append(out)
    assert seen[0] == seen[1]
    seqs = [seq for _call, seq in seen[0]]
    assert seqs == sorted(set(seqs)) and len(seqs) == 2 and seqs[0] is not None


def test_an_unstamped_fact_leaves_the_seq_to_the_writer() -> None:
    out: list[int | None] = []
    QueueFacts(lambda _call, _command, seq: out.append(seq))(
        CallerLeft("etat-civil", AT, "c1"))
    assert out == [None, None]
