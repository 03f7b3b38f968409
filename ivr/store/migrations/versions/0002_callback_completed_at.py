"""callbacks.completed_at: when a callback reached the citizen (``done``).

The indicator « rappels tenus dans le délai promis » compares it with
``promised_before``; ``updated_at`` moved with any later edit of the row. Rows
already ``done`` take their ``updated_at``, the best time known for them.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 10:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Add callbacks.completed_at, filled for rows already done."""
    with op.batch_alter_table('callbacks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE callbacks SET completed_at = updated_at WHERE state = 'done'")


def downgrade() -> None:
    """Drop callbacks.completed_at."""
    with op.batch_alter_table('callbacks', schema=None) as batch_op:
        batch_op.drop_column('completed_at')
