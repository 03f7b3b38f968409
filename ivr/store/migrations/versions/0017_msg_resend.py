"""messages: when the current attempt started, when a delivery report last came, and
how many times the sender resent a message by itself.

An SMS whose attempt got no HTTP answer (``unknown``) or that Kannel accepted and then
lost is sent again only when no report of any kind arrived (``reported_at``) for a
while after its attempt (``attempt_at``) with the gateway back and empty; ``resends``
caps those automatic resends.

Revision ID: 0017_msg_resend
Revises: 0016_login_limits
Create Date: 2026-11-30 19:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0017_msg_resend'
down_revision: Union[str, Sequence[str], None] = '0016_login_limits'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Add messages.attempt_at, reported_at and resends."""
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempt_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reported_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('resends', sa.Integer(), server_default='0',
                                      nullable=False))


def downgrade() -> None:
    """Drop the three columns."""
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_column('resends')
        batch_op.drop_column('reported_at')
        batch_op.drop_column('attempt_at')
