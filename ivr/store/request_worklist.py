"""The agents' worklist: open requests, late ones first, then by due date.

The order is « late first » (open, clock running, due date passed), then every other
open request by due date, ties by id. A ``CASE`` in ``ORDER BY`` gives that order but
no index can: the database would read and sort every open request on each page. So
the page is read as ordered range scans of the partial indexes on open requests (clock
running: (due_at, id) and (department, due_at, id); clock stopped: (department,
due_at, id)), keys only:

1. late: ``closed_at IS NULL AND clock_stopped_at IS NULL AND due_at < now``;
2. then the merge, by (due_at, id), of the requests whose clock runs and that are not
   late yet (``due_at >= now``) and of those waiting for the citizen (clock stopped).

Each scan stops after ``offset + limit`` keys; the page's rows are then loaded by id.
With ``include_closed`` (the CLI's ``--all``) the plain sorted query is used.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from datetime import datetime
from itertools import islice
from typing import Any

from sqlalchemy import Row, Select, case, select
from sqlalchemy.orm import Session

from ivr.store.db import Store
from ivr.store.models import Request
from ivr.store.request_views import RequestView, request_view

_ORDER = (Request.due_at, Request.id)


def late_clause(now: datetime) -> Any:
    """Open, clock running, past its due date."""
    return (Request.closed_at.is_(None) & Request.clock_stopped_at.is_(None)
            & (Request.due_at < now))


def _filtered(query: Select[Any], *, department: str | None, status: str | None,
              agent: str | None, type_id: str | None) -> Select[Any]:
    for column, value in ((Request.department, department), (Request.status, status),
                          (Request.agent, agent), (Request.type, type_id)):
        if value:
            query = query.where(column == value)
    return query


def _segments(keys: Select[Any], now: datetime, late_only: bool) -> list[list[Select[Any]]]:
    """The groups read one after the other; the scans of one group are merged."""
    running = keys.where(Request.closed_at.is_(None), Request.clock_stopped_at.is_(None))
    late = [running.where(Request.due_at < now)]
    if late_only:
        return [late]
    stopped = keys.where(Request.closed_at.is_(None), Request.clock_stopped_at.is_not(None))
    return [late, [running.where(Request.due_at >= now), stopped]]


def _page_ids(session: Session, groups: Sequence[Sequence[Select[Any]]], limit: int,
              offset: int) -> list[int]:
    """Ids of rows [offset, offset + limit) of the groups read in turn."""
    ids: list[int] = []
    skip = offset
    for group in groups:
        want = limit - len(ids)
        if want <= 0:
            break
        scans: list[Iterable[Row[Any]]] = [
            session.execute(q.order_by(*_ORDER).limit(skip + want)).all() for q in group]
        merged = list(islice(heapq.merge(*scans, key=lambda r: (r.due_at, r.id)), skip + want))
        ids.extend(r.id for r in merged[skip:])
        skip = max(0, skip - len(merged))  # only matters when the group ran out
    return ids


def worklist(store: Store, *, now: datetime, department: str | None = None,
             status: str | None = None, agent: str | None = None, type_id: str | None = None,
             late_only: bool = False,
             include_closed: bool = False, limit: int = 50, offset: int = 0) -> list[RequestView]:
    """Requests to work on: late ones first, then by due date (then oldest first)."""
    limit, offset = max(0, limit), max(0, offset)
    filters = dict(department=department, status=status, agent=agent, type_id=type_id)
    with store.session() as session:
        if include_closed:
            query = _filtered(select(Request), **filters)
            if late_only:
                query = query.where(late_clause(now))
            rows = session.scalars(query.order_by(case((late_clause(now), 0), else_=1), *_ORDER)
                                   .limit(limit).offset(offset))
            return [request_view(row) for row in rows]
        keys = _filtered(select(Request.id, Request.due_at), **filters)
        ids = _page_ids(session, _segments(keys, now, late_only), limit, offset)
        found = {row.id: row for row in session.scalars(select(Request).where(
            Request.id.in_(ids)))} if ids else {}
        return [request_view(found[i]) for i in ids]
