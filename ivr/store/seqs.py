"""Seqs of store ops: ordered across the IVR processes, equal for a shared fact — pure.

A seq is the wall-clock microsecond times ``SEQ_SLOTS`` plus a slot. Slots below
``FACT_SLOTS`` number the ops of one queue fact (``fact_seq``, from Asterisk's own
timestamp, so every process that hears the fact writes the same seqs and the store
keeps one copy); the slots above belong to the IVR processes' writers (``writer_seq``,
the process index), so two processes never hand out the same seq for one call. The
last slot below ``FACT_SLOTS`` is the store's own (``store_seq``): events the callbacks and messages
write on a call's contact in their transactions sort by their time among the call's.
"""

from __future__ import annotations

SEQ_SLOTS = 16  # seqs per microsecond: 0-6 queue facts, 7 the store, 8-15 IVR processes
FACT_SLOTS = 8
STORE_SLOT = FACT_SLOTS - 1  # events written by the store itself (callbacks, messages)


def fact_seq(stamp: float, position: int) -> int:
    """The seq of the ``position``-th op of a queue fact Asterisk stamped ``stamp``
    (epoch seconds): the same in every process that hears it."""
    return round(stamp * 1_000_000) * SEQ_SLOTS + min(position, STORE_SLOT - 1)


def writer_seq(previous: int, micros: int, slot: int) -> int:
    """The next seq of a call in the writer of ``slot``: its time, after ``previous``."""
    return max(previous + SEQ_SLOTS, micros * SEQ_SLOTS + FACT_SLOTS + slot % FACT_SLOTS)


def store_seq(top: int, micros: int) -> int:
    """The seq of an event the store writes now (``micros``, wall clock like the
    writers') on a contact whose highest seq is ``top``: after the ops written before
    it, even those a writer's spool has not applied yet."""
    return max(top + 1, micros * SEQ_SLOTS + STORE_SLOT)
