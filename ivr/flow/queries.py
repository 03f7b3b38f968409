"""Questions a dialogue asks outside the call (the request store, the agendas…).

A dialogue cannot read the store itself (``ivr/flow`` does no I/O): its ``Reply``
carries a ``Query``, the adapter answers it off the event loop and feeds the result
back as ``Answered``. Each capability declares its queries here-like, as frozen
subclasses of ``Query``, and registers one answering function per query type with
the adapter (``ivr.telephony.answers``); a query type without one is a bug that a test
of the wiring catches.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Query:
    """Base of every question a dialogue may ask; subclasses carry its inputs."""


@dataclass(frozen=True)
class Unavailable:
    """The answer when the question could not be answered (store down, too slow, bug):
    the dialogue tells the caller and puts them through to a person."""

    why: str
