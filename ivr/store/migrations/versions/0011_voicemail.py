"""voicemail messages as requests: voicemail_ingests, and "note" history lines.

``voicemail_ingests.key`` is unique so a message in Asterisk's spool becomes a request
exactly once, whichever process ingests it; ``request_events.kind`` accepts ``note``
(a message joining an open request leaves a line in its history).

Revision ID: 0011_voicemail
Revises: 0003
Create Date: 2026-11-30 13:10:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0011_voicemail'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

OLD_KINDS = "kind IN ('created', 'status', 'assigned')"
NEW_KINDS = "kind IN ('created', 'status', 'assigned', 'note')"


def upgrade() -> None:
    """Create voicemail_ingests; allow note lines in request_events."""
    op.create_table('voicemail_ingests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=160), nullable=False),
    sa.Column('box', sa.String(length=64), nullable=False),
    sa.Column('msg_id', sa.String(length=64), nullable=False),
    sa.Column('call_id', sa.String(length=128), nullable=True),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_voicemail_ingests_request_id_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voicemail_ingests')),
    sa.UniqueConstraint('key', name=op.f('uq_voicemail_ingests_key'))
    )
    with op.batch_alter_table('voicemail_ingests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_voicemail_ingests_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_voicemail_ingests_call_id'), ['call_id'], unique=False)
    _kinds(NEW_KINDS)


def downgrade() -> None:
    """Drop voicemail_ingests and the note lines."""
    op.execute("DELETE FROM request_events WHERE kind = 'note'")
    _kinds(OLD_KINDS)
    with op.batch_alter_table('voicemail_ingests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_voicemail_ingests_call_id'))
        batch_op.drop_index(batch_op.f('ix_voicemail_ingests_at'))
    op.drop_table('voicemail_ingests')


def _kinds(condition: str) -> None:
    with op.batch_alter_table('request_events', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_request_events_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_request_events_kind'), condition)
