"""Answers to the questions dialogues ask during a call (``ivr.flow.queries``).

The call's event loop never waits on the database: each question is answered by a
plain function of the store in a worker thread, within a time limit. Whatever goes
wrong — no answering function, the database away, too slow, a bug — the dialogue
gets ``Unavailable`` and tells the caller, who is put through to a person.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from ivr.flow.queries import Query, Unavailable
from ivr.store.db import Store

log = logging.getLogger(__name__)

Handler = Callable[[Store, Any], object]
TIMEOUT_SECONDS = 3.0  # a caller waits no longer than this on silence


class StoreAnswers:
    """Answer each query type with its registered function of the store."""

    def __init__(self, store: Store, handlers: Mapping[type[Query], Handler],
                 timeout: float = TIMEOUT_SECONDS) -> None:
        self.store, self.handlers, self.timeout = store, handlers, timeout

    async def __call__(self, query: Query) -> object:
        handler = self.handlers.get(type(query))
        name = type(query).__name__
        if handler is None:
            log.error("no answer for this question", extra={"query": name})
            return Unavailable("unanswerable")
        try:
            # a question may allow itself longer (``answer_within``: a campaign's launch)
            within = getattr(query, "answer_within", None) or self.timeout
            return await asyncio.wait_for(asyncio.to_thread(handler, self.store, query), within)
        except TimeoutError:
            log.warning("question not answered in time", extra={"query": name})
            return Unavailable("timeout")
        except SQLAlchemyError as exc:
            log.warning("store unavailable for a question", extra={"query": name,
                                                                   "error": str(exc)})
            return Unavailable("store")
        except Exception:
            log.exception("question failed", extra={"query": name})
            return Unavailable("error")
