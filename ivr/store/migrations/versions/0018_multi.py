"""contacts: op seqs on 64 bits. With several IVR processes a writer seq is a
microsecond timestamp times 16 plus a slot (``ivr.store.seqs``), past 32 bits.

``contacts.op_seq`` and ``contact_events.seq`` become BIGINT (SQLite copies the tables;
its INTEGER held 64 bits already, the declared type now says so).

Revision ID: 0018_multi
Revises: 0017_msg_resend
Create Date: 2026-11-30 18:30:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0018_multi'
down_revision: Union[str, Sequence[str], None] = '0017_msg_resend'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

COLUMNS = (('contacts', 'op_seq'), ('contact_events', 'seq'))


def _retype(to: sa.types.TypeEngine, from_: sa.types.TypeEngine) -> None:
    for table, column in COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(column, type_=to, existing_type=from_)


def upgrade() -> None:
    """Seqs on 64 bits."""
    _retype(sa.BigInteger(), sa.Integer())


def downgrade() -> None:
    """Back to 32 bits (fails once a timestamp seq is stored)."""
    _retype(sa.Integer(), sa.BigInteger())
