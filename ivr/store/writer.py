"""The store writer: what the IVR calls to record facts, without ever waiting.

Each method stamps the op with a per-call ``seq`` (``ivr.store.seqs``: ordered in
time across the IVR processes' writers, the same in each for a queue fact they all
hear) and appends it to the durable spool, then returns. A background thread seals
the spool every ``batch_delay``, applies each segment in one transaction and deletes
it after the commit. When the database is away the segments wait on disk and are
retried with backoff; a process that dies leaves them for the next one, which replays
them at start. The apply step is idempotent, so replaying a segment that had in fact
been committed changes nothing.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from ivr.clock import Clock
from ivr.domain.outcomes import ContactOutcome
from ivr.store.apply import CONTACT_FIELDS, DATETIME_FIELDS, Op, apply_ops
from ivr.store.db import Store
from ivr.store.seqs import writer_seq
from ivr.store.spool import Spool, read_segment

log = logging.getLogger(__name__)

# The database is away (down, unreachable, locked): keep the ops and retry later.
OUTAGE_ERRORS = (OperationalError, InterfaceError, PoolTimeout, ConnectionError)
# Each commit costs an fsync, a transaction and a reload of the contacts it touches,
# whatever its size: at 0.05 s the writer was the IVR's largest CPU cost under load
# (100 concurrent calls: 18.4 ms/call; 12.6 at 0.25 s). A quarter second is still
# well under what an agent refreshing the admin would notice.
BATCH_DELAY = 0.25
# Calls last minutes; remembering this many seq counters bounds memory on a busy day.
MAX_TRACKED_CALLS = 100_000


class StoreWriter:
    """Non-blocking, batched, durable writer of contacts and their events."""

    def __init__(
        self,
        store: Store,
        spool_dir: Path,
        *,
        clock: Clock | None = None,
        batch_delay: float = BATCH_DELAY,
        min_backoff: float = 0.5,
        max_backoff: float = 30.0,
        slot: int = 0,
    ):
        self.store = store
        self.slot = slot  # the IVR process's index: its seqs never meet another's
        self.clock = clock or Clock()
        self.batch_delay = batch_delay
        self.min_backoff, self.max_backoff = min_backoff, max_backoff
        self.healthy = True
        self._spool = Spool(spool_dir)
        self._seqs: OrderedDict[str, int] = OrderedDict()
        self._live: set[str] = set()  # calls not finished yet: their seqs outlive a restart
        self._seq_lock = threading.Lock()
        self._forced = threading.local()  # ``at_seq``: the seqs of this thread's next ops
        self._wake, self._kick, self._stop = threading.Event(), threading.Event(), threading.Event()
        self._idle = threading.Condition()
        self._seed_seqs()
        self._thread = threading.Thread(target=self._run, name="store-writer", daemon=True)
        self._thread.start()

    @property
    def pending(self) -> int:
        """Ops written to the spool and not yet committed to the database."""
        return self._spool.pending

    # --- API used by the IVR (never blocks on the database) -----------------

    def start_contact(
        self,
        call_id: str,
        started_at: datetime,
        caller: str | None,
        called: str | None,
        channel: str = "phone",
        direction: str = "inbound",
        ref: str | None = None,
    ) -> None:
        """Record that a contact began."""
        fields = {
            "started_at": started_at,
            "caller": caller,
            "called": called,
            "channel": channel,
            "direction": direction,
            "ref": ref,
        }
        self._fields_op("start", call_id, {k: v for k, v in fields.items() if v is not None})

    def event(self, call_id: str, kind: str, at: datetime, **data: Any) -> None:
        """Append an event (``menu``, ``dtmf``, ``route``, ``hangup``…) to the contact's history."""
        self._enqueue(call_id, {"op": "event", "kind": kind, "at": _iso(at), "data": data})

    def update_contact(self, call_id: str, **fields: Any) -> None:
        """Set contact fields (target, routed_by, wait_seconds…)."""
        self._fields_op("update", call_id, fields)

    def finish_contact(self, call_id: str, ended_at: datetime, outcome: ContactOutcome,
                       **fields: Any) -> None:
        """Record the end of a contact and its outcome."""
        self._fields_op("finish", call_id, {"ended_at": ended_at, "outcome": outcome, **fields})

    def close_contact(self, call_id: str, ended_at: datetime, outcome: ContactOutcome,
                      **fields: Any) -> None:
        """Record the end of a contact unless something has already given it an outcome."""
        self._fields_op("close", call_id, {"ended_at": ended_at, "outcome": outcome, **fields})

    def request_callback(self, call_id: str, at: datetime, target: str, number: str,
                         due_at: datetime, promised_before: datetime,
                         max_attempts: int) -> None:
        """Record a callback promised during the call, linked to its contact.

        Spooled like every op, so a promise made while the database is away is kept.
        """
        callback = {"target": target, "number": number, "due_at": _iso(due_at),
                    "promised_before": _iso(promised_before), "max_attempts": max_attempts}
        self._enqueue(call_id, {"op": "callback", "at": _iso(at), "callback": callback})

    @contextmanager
    def at_seq(self, first: int) -> Iterator[None]:
        """Ops recorded by this thread inside take seqs ``first``, ``first + 1``…
        (``fact_seq``) instead of the writer's own."""
        self._forced.seqs = itertools.count(first)
        try:
            yield
        finally:
            self._forced.seqs = None

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every op so far is committed; False if the database stayed away."""
        self._kick.set()
        self._wake.set()
        with self._idle:
            return self._idle.wait_for(lambda: self._spool.pending == 0, timeout)

    def close(self, timeout: float = 5.0) -> None:
        """Try a last commit, stop the thread; anything uncommitted stays in the spool."""
        self._stop.set()
        self._kick.set()
        self._wake.set()
        self._thread.join(timeout)
        self._spool.close()
        log.info("store writer closed", extra={"spool_pending": self.pending})

    # --- op building ---------------------------------------------------------

    def _fields_op(self, kind: str, call_id: str, fields: dict[str, Any]) -> None:
        unknown = set(fields) - CONTACT_FIELDS
        if unknown:
            raise ValueError(f"unknown contact fields: {sorted(unknown)}")
        if "outcome" in fields:
            ContactOutcome(fields["outcome"])  # ValueError for a value nothing else knows
        encoded = {
            k: _iso(v) if k in DATETIME_FIELDS and v is not None else v for k, v in fields.items()
        }
        self._enqueue(call_id, {"op": kind, "fields": encoded})

    def _enqueue(self, call_id: str, body: dict[str, Any]) -> None:
        if not call_id:  # applied, it clashed with the last one's contact: a failed batch
            raise ValueError(f"store op with no call id: {body['op']}")
        try:
            with self._seq_lock:  # spool order == seq order for each call
                forced = getattr(self._forced, "seqs", None)
                op = {
                    "call_id": call_id,
                    "seq": next(forced) if forced else self._next_seq(call_id, body["op"]),
                    "ts": _iso(self.clock.now()),
                    **body,
                }
                self._spool.append(op)
        except OSError:
            # A full or broken disk must not end the citizen's call: log loudly, go on.
            log.exception("store op lost: spool not writable", extra={"call": call_id})
            return
        self._wake.set()

    def _next_seq(self, call_id: str, kind: str) -> int:
        seq = writer_seq(self._seqs.pop(call_id, 0), time.time_ns() // 1000, self.slot)
        self._track(call_id, seq, kind)
        return seq

    def _track(self, call_id: str, seq: int, kind: str) -> None:
        self._seqs[call_id] = seq
        if kind in ("finish", "close"):
            self._live.discard(call_id)
        else:
            self._live.add(call_id)
        if len(self._seqs) > MAX_TRACKED_CALLS:
            self._live.discard(self._seqs.popitem(last=False)[0])

    def _seed_seqs(self) -> None:
        """Continue the seqs of calls a previous process left in progress or in the spool."""
        for call_id, seq in self._spool.load_seqs().items():
            self._track(call_id, seq, "update")
        for segment in self._spool.seal():
            for op in read_segment(segment):
                seq = max(self._seqs.pop(op["call_id"], 0), op["seq"])
                self._track(op["call_id"], seq, op["op"])
        if self.pending:
            log.info("replaying store spool", extra={"spool_pending": self.pending})
            self._wake.set()

    # --- background thread ---------------------------------------------------

    def _run(self) -> None:
        backoff = self.min_backoff
        while True:
            self._wake.wait()
            self._kick.wait(self.batch_delay)  # let a batch gather, unless flushed
            self._wake.clear()
            self._kick.clear()
            stopping = self._stop.is_set()
            if self._drain():
                backoff = self.min_backoff
            elif not stopping:
                self._kick.wait(backoff)
                backoff = min(backoff * 2, self.max_backoff)
                self._wake.set()
            if stopping:
                return

    def _drain(self) -> bool:
        """Commit every sealed segment in order; False when the database is away."""
        try:
            self._commit_sealed()
        except OUTAGE_ERRORS as exc:
            self._set_health(False, error=str(exc).splitlines()[0])
            return False
        except Exception:
            # The thread is the only path to the database: a bug or a full disk here
            # must be retried later, never end the thread and silently stop recording.
            log.exception("store writer error, retrying", extra={"spool_pending": self.pending})
            return False
        finally:
            self._notify()
        self._set_health(True)
        return True

    def _commit_sealed(self) -> None:
        segments = self._spool.seal()
        with self._seq_lock:
            live = {call_id: self._seqs[call_id] for call_id in self._live}
        self._spool.save_seqs(live)
        for segment in segments:
            self._commit(read_segment(segment))
            self._spool.remove(segment)
            self._notify()

    def _commit(self, ops: list[Op]) -> None:
        try:
            with self.store.session() as session:
                apply_ops(session, ops)
        except OUTAGE_ERRORS:
            raise
        except (SQLAlchemyError, ValueError, KeyError, TypeError):
            self._commit_one_by_one(ops)

    def _commit_one_by_one(self, ops: list[Op]) -> None:
        """Isolate the ops the database refuses so they cannot block the spool forever."""
        for op in ops:
            try:
                with self.store.session() as session:
                    apply_ops(session, [op])
            except OUTAGE_ERRORS:
                raise
            except (SQLAlchemyError, ValueError, KeyError, TypeError):
                log.exception("store op rejected", extra={"call": op.get("call_id"), "op": op})

    def _set_health(self, healthy: bool, error: str | None = None) -> None:
        if healthy and not self.healthy:
            log.info("store reachable again", extra={"spool_pending": self.pending})
        elif not healthy:
            log.warning(
                "store unreachable, ops kept in spool",
                extra={"spool_pending": self.pending, "error": error},
            )
        self.healthy = healthy

    def _notify(self) -> None:
        with self._idle:
            self._idle.notify_all()


def _iso(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: pass an aware datetime (settings.clock)")
    return value.isoformat()
