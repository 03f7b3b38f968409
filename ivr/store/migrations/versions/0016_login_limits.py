"""login limits: the admin's login rate-limit counters in the store, shared by every
admin process and thread (per account and per client; keys hashed).

Revision ID: 0016_login_limits
Revises: 0015_citizen_address
Create Date: 2026-11-30 19:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = '0016_login_limits'
down_revision: Union[str, Sequence[str], None] = '0015_citizen_address'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """The counters' table."""
    op.create_table('login_limits',
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('key_hash', name=op.f('pk_login_limits'))
    )
    with op.batch_alter_table('login_limits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_limits_expires_at'), ['expires_at'],
                              unique=False)


def downgrade() -> None:
    """Drop it (the counters are short-lived)."""
    with op.batch_alter_table('login_limits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_limits_expires_at'))
    op.drop_table('login_limits')
