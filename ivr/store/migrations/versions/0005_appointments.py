"""appointments: the slot of each appointment request, never booked twice; the secret
addresses of the calendars' iCalendar feeds.

A partial unique index on (calendar, start) among the rows not cancelled (SQLite
and PostgreSQL both have them) refuses a second booking of a slot; the sync_*
columns follow the copy pushed to the élu's CalDAV server.

Revision ID: 0005_appointments
Revises: 0004_voicemail
Create Date: 2026-11-30 13:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0005_appointments'
down_revision: Union[str, Sequence[str], None] = '0004_voicemail'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Create the appointments and calendar_feeds tables and their indexes."""
    op.create_table('appointments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('calendar', sa.String(length=64), nullable=False),
    sa.Column('start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end', sa.DateTime(timezone=True), nullable=False),
    sa.Column('motive', sa.String(length=64), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sync_state', sa.String(length=8), nullable=False),
    sa.Column('sync_attempts', sa.Integer(), nullable=False),
    sa.Column('sync_error', sa.Text(), nullable=True),
    sa.Column('sync_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("sync_state IN ('none', 'pending', 'done')", name=op.f('ck_appointments_sync_state')),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_appointments_request_id_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointments')),
    sa.UniqueConstraint('request_id', name=op.f('uq_appointments_request_id'))
    )
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appointments_calendar_start'), ['calendar', 'start'], unique=False)
        batch_op.create_index('uq_appointments_calendar_start_active', ['calendar', 'start'], unique=True,
                              sqlite_where=sa.text('cancelled_at IS NULL'),
                              postgresql_where=sa.text('cancelled_at IS NULL'))


    op.create_table('calendar_feeds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('calendar', sa.String(length=64), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_feeds')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_calendar_feeds_token_hash'))
    )
    with op.batch_alter_table('calendar_feeds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_feeds_calendar'), ['calendar'], unique=False)


def downgrade() -> None:
    """Drop the appointments and calendar_feeds tables."""
    with op.batch_alter_table('calendar_feeds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_feeds_calendar'))
    op.drop_table('calendar_feeds')
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.drop_index('uq_appointments_calendar_start_active')
        batch_op.drop_index(batch_op.f('ix_appointments_calendar_start'))
    op.drop_table('appointments')
