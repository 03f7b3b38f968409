"""The figures of the référentiel Marianne's five commitments, for one period.

Pure: rows fetched by ``ivr.store.marianne`` come in with the period and the instant
``as_of`` (the end of the period, or now when the period is not over); every rate is
a share 0-1, None when there is nothing to divide (a month with no data says so, it
never divides by zero).

Definitions:

1. **Access** (inbound calls started in the period): the pick-up rate is the share of
   calls picked up by an agent among the calls that wanted one — self-service calls
   (answered by the IVR itself, appointments booked by phone), calls outside opening
   hours (the closed message, or put through to a closed department: its voicemail,
   its callback offer) and calls abandoned in the menu are counted apart and left
   out, as the national phone plan (> 85 %) leaves out self-service; calls abandoned
   while waiting stay in (they were not picked up). Time to answer: median wait of
   the calls picked up.
2. **Satisfaction** (surveys of the period): mean score 1-5, share satisfied (4 or 5),
   share who got the answer to their question; per department. Surveys with no
   valid score count as offered, never as a score.
3. **Delays** (requests closed in the period, any type): share closed by their due
   date; callbacks promised in the period and kept (done before the promise).
4. **Complaints** (type ``reclamation``): received, acknowledged within their
   acknowledgement delay (of those whose deadline has passed or that are
   acknowledged), answered in the period and within their delay, open and late at
   ``as_of``.
5. **Suggestions** (type ``suggestion``): received, answered, adopted in the period.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from statistics import median

from ivr.marianne.months import Month

COMPLAINT = "reclamation"
SUGGESTION = "suggestion"
ANSWERED = "answered"
SELF_SERVICE = frozenset({"info", "self_service", "appointment"})
OUTSIDE_HOURS = "closed"  # the outcome of the closed message, and ``routed_by`` when closed
ABANDONED_MENU = "abandoned_menu"
ABANDONED_QUEUE = "abandoned_queue"
SATISFIED_FROM = 4  # « satisfait » or « très satisfait » on a 1-5 scale


@dataclass(frozen=True)
class CallRow:
    """An inbound phone call."""

    started_at: datetime
    outcome: str | None
    wait_seconds: float | None
    routed_by: str | None = None  # "closed": put through to a department then closed


@dataclass(frozen=True)
class SurveyRow:
    """One survey offered at the end of a call; scores None when none was keyed."""

    at: datetime
    department: str | None
    satisfaction: int | None
    got_answer: bool | None


@dataclass(frozen=True)
class RequestRow:
    """What the figures need of a request."""

    type: str
    created_at: datetime
    due_at: datetime
    closed_at: datetime | None
    clock_stopped_at: datetime | None = None
    acknowledge_due_at: datetime | None = None
    acknowledged_at: datetime | None = None
    adopted: bool | None = None


@dataclass(frozen=True)
class CallbackRow:
    """A promised callback."""

    promised_before: datetime
    state: str
    completed_at: datetime | None


@dataclass(frozen=True)
class Rows:
    """Everything one dashboard reads, over a window covering all its periods."""

    calls: tuple[CallRow, ...] = ()
    surveys: tuple[SurveyRow, ...] = ()
    requests: tuple[RequestRow, ...] = ()
    callbacks: tuple[CallbackRow, ...] = ()


@dataclass(frozen=True)
class Targets:
    """The targets each panel shows beside its figure (shares 0-1)."""

    pickup_rate: float = 0.85  # national phone plan: more than 85 % picked up by an agent
    satisfied_rate: float = 0.80
    within_delay: float = 0.90
    callbacks_kept: float = 0.90
    complaints_acknowledged: float = 1.0  # every complaint acknowledged within a week
    complaints_answered: float = 0.90


@dataclass(frozen=True)
class Access:
    calls: int
    picked_up: int
    wanting_agent: int
    self_service: int
    outside_hours: int
    abandoned_menu: int
    abandoned_queue: int
    pickup_rate: float | None
    median_wait_seconds: float | None


@dataclass(frozen=True)
class Satisfaction:
    offered: int
    responses: int
    mean: float | None
    satisfied_rate: float | None
    got_answer_rate: float | None


@dataclass(frozen=True)
class Delays:
    answered: int
    within_delay: int
    within_delay_rate: float | None
    callbacks_promised: int
    callbacks_kept: int
    callbacks_kept_rate: float | None


@dataclass(frozen=True)
class Complaints:
    received: int
    acknowledged_measured: int
    acknowledged_in_time: int
    acknowledged_rate: float | None
    answered: int
    answered_in_time: int
    answered_rate: float | None
    open: int
    late: int


@dataclass(frozen=True)
class Suggestions:
    received: int
    answered: int
    adopted: int


@dataclass(frozen=True)
class Figures:
    """The five panels of one period."""

    since: datetime
    until: datetime
    access: Access
    satisfaction: Satisfaction
    by_department: dict[str, Satisfaction]
    delays: Delays
    complaints: Complaints
    suggestions: Suggestions

    @property
    def empty(self) -> bool:
        """No call, survey, request or callback in the period: the page says so."""
        d, c, s = self.delays, self.complaints, self.suggestions
        return not (self.access.calls or self.satisfaction.offered or d.answered
                    or d.callbacks_promised or c.received or c.answered or c.open
                    or s.received or s.answered)


def share(part: int, whole: int) -> float | None:
    """``part / whole``, None when ``whole`` is 0."""
    return part / whole if whole else None


def _within(at: datetime, since: datetime, until: datetime) -> bool:
    return since <= at < until


def access(calls: Iterable[CallRow], since: datetime, until: datetime) -> Access:
    """Commitment 1 over the calls started in [since, until)."""
    rows = [c for c in calls if _within(c.started_at, since, until)]
    outcomes = [c.outcome for c in rows]
    picked = [c for c in rows if c.outcome == ANSWERED]
    self_service = sum(o in SELF_SERVICE for o in outcomes)
    outside = sum(OUTSIDE_HOURS in (c.outcome, c.routed_by) and c.outcome not in SELF_SERVICE
                  for c in rows)
    menu = outcomes.count(ABANDONED_MENU)
    wanting = len(rows) - self_service - outside - menu
    waits = [c.wait_seconds for c in picked if c.wait_seconds is not None]
    return Access(len(rows), len(picked), wanting, self_service, outside, menu,
                  outcomes.count(ABANDONED_QUEUE), share(len(picked), wanting),
                  float(median(waits)) if waits else None)


def satisfaction(surveys: Iterable[SurveyRow]) -> Satisfaction:
    """Commitment 2 over the given surveys."""
    rows = list(surveys)
    scores = [s.satisfaction for s in rows if s.satisfaction is not None]
    answers = [s.got_answer for s in rows if s.got_answer is not None]
    return Satisfaction(len(rows), len(scores),
                        round(sum(scores) / len(scores), 2) if scores else None,
                        share(sum(s >= SATISFIED_FROM for s in scores), len(scores)),
                        share(sum(answers), len(answers)))


def by_department(surveys: Iterable[SurveyRow]) -> dict[str, Satisfaction]:
    """Satisfaction per department (« non précisé » when the call had none)."""
    groups: dict[str, list[SurveyRow]] = defaultdict(list)
    for row in surveys:
        groups[row.department or ""].append(row)
    return {name: satisfaction(rows) for name, rows in sorted(groups.items())}


def delays(requests: Iterable[RequestRow], callbacks: Iterable[CallbackRow],
           since: datetime, until: datetime) -> Delays:
    """Commitment 3: requests closed in the period by their due date; callbacks kept."""
    closed = [r for r in requests if r.closed_at and _within(r.closed_at, since, until)]
    on_time = sum(r.closed_at is not None and r.closed_at <= r.due_at for r in closed)
    promised = [c for c in callbacks if _within(c.promised_before, since, until)]
    kept = sum(c.state == "done" and c.completed_at is not None
               and c.completed_at <= c.promised_before for c in promised)
    return Delays(len(closed), on_time, share(on_time, len(closed)),
                  len(promised), kept, share(kept, len(promised)))


def _open_at(row: RequestRow, instant: datetime) -> bool:
    return row.created_at < instant and (row.closed_at is None or row.closed_at >= instant)


def _late_at(row: RequestRow, instant: datetime) -> bool:
    stopped = row.clock_stopped_at is not None and row.clock_stopped_at < instant
    return _open_at(row, instant) and not stopped and row.due_at < instant


def complaints(requests: Iterable[RequestRow], since: datetime, until: datetime,
               as_of: datetime) -> Complaints:
    """Commitment 4 over requests of type ``reclamation``."""
    rows = [r for r in requests if r.type == COMPLAINT]
    received = [r for r in rows if _within(r.created_at, since, until)]
    measured = [r for r in received if r.acknowledge_due_at is not None and (
        r.acknowledged_at is not None or r.acknowledge_due_at < as_of)]
    in_time = sum(r.acknowledged_at is not None and r.acknowledge_due_at is not None
                  and r.acknowledged_at <= r.acknowledge_due_at for r in measured)
    answered = [r for r in rows if r.closed_at and _within(r.closed_at, since, until)]
    answered_on_time = sum(r.closed_at is not None and r.closed_at <= r.due_at
                           for r in answered)
    return Complaints(len(received), len(measured), in_time, share(in_time, len(measured)),
                      len(answered), answered_on_time, share(answered_on_time, len(answered)),
                      sum(_open_at(r, as_of) for r in rows), sum(_late_at(r, as_of) for r in rows))


def suggestions(requests: Iterable[RequestRow], since: datetime,
                until: datetime) -> Suggestions:
    """Commitment 5 over requests of type ``suggestion``."""
    rows = [r for r in requests if r.type == SUGGESTION]
    answered = [r for r in rows if r.closed_at and _within(r.closed_at, since, until)]
    return Suggestions(sum(_within(r.created_at, since, until) for r in rows), len(answered),
                       sum(bool(r.adopted) for r in answered))


def figures(rows: Rows, since: datetime, until: datetime, now: datetime) -> Figures:
    """The five panels of [since, until); open and late counts as of min(until, now)."""
    as_of = min(until, now)
    surveys = [s for s in rows.surveys if _within(s.at, since, until)]
    return Figures(since, until, access(rows.calls, since, until), satisfaction(surveys),
                   by_department(surveys), delays(rows.requests, rows.callbacks, since, until),
                   complaints(rows.requests, since, until, as_of),
                   suggestions(rows.requests, since, until))


def trend(rows: Rows, months: Iterable[Month], zone: tzinfo,
          now: datetime) -> list[tuple[Month, Figures]]:
    """The figures of each month, oldest first (a month with no data has empty figures)."""
    return [(month, figures(rows, *month.bounds(zone), now)) for month in months]
