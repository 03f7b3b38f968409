"""self-service on the phone: attempts at a request (counted over a sliding window per
caller number and per reference, never the secret keyed) and references locked after
repeated failures, until an agent unlocks them.

Revision ID: 0009_self_service
Revises: 0008_production
Create Date: 2026-11-30 13:10:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0009_self_service'
down_revision: Union[str, Sequence[str], None] = '0008_production'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Create self_service_attempts and self_service_locks."""
    op.create_table('self_service_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.Column('caller', sa.String(length=32), nullable=True),
    sa.Column('reference', sa.String(length=16), nullable=True),
    sa.Column('call_id', sa.String(length=64), nullable=True),
    sa.Column('actor', sa.String(length=64), nullable=True),
    sa.CheckConstraint("kind IN ('reference', 'verification', 'unlock')", name=op.f('ck_self_service_attempts_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_self_service_attempts'))
    )
    with op.batch_alter_table('self_service_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_self_service_attempts_caller_at'), ['caller', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_self_service_attempts_reference_at'), ['reference', 'at'], unique=False)

    op.create_table('self_service_locks',
    sa.Column('reference', sa.String(length=16), nullable=False),
    sa.Column('locked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('reference', name=op.f('pk_self_service_locks'))
    )


def downgrade() -> None:
    """Drop the self-service tables."""
    op.drop_table('self_service_locks')
    with op.batch_alter_table('self_service_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_self_service_attempts_reference_at'))
        batch_op.drop_index(batch_op.f('ix_self_service_attempts_caller_at'))
    op.drop_table('self_service_attempts')
