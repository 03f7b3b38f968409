"""messages: the outbox (SMS and e-mail), editable templates, information lists,
preferred channels; contacts and requests may come by SMS (channel ``sms``).

The information lists shipped with the town hall are created here; subscriptions
themselves are consents (purpose ``liste:<name>``), so the consent register keeps
their proof.

Revision ID: 0007_messages
Revises: 0006_marianne
Create Date: 2026-11-30 12:52:20

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0007_messages'
down_revision: Union[str, Sequence[str], None] = '0006_marianne'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

OLD = "('phone', 'web', 'email', 'counter')"
NEW = "('phone', 'web', 'email', 'counter', 'sms')"
LISTS = [
    {"name": "bulletin", "label": "Bulletin municipal",
     "description": "Le bulletin d'information de la commune."},
    {"name": "alertes", "label": "Alertes",
     "description": "Alertes météo, sanitaires et de sécurité civile."},
    {"name": "action-sociale", "label": "Action sociale",
     "description": "Informations du CCAS et des structures d'action sociale."},
    {"name": "travaux", "label": "Travaux",
     "description": "Travaux, coupures et circulation."},
]


def _channels(allowed: str) -> None:
    """Replace the channel check of contacts and requests (batch: SQLite copies the table)."""
    for table in ("contacts", "requests"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f"ck_{table}_channel"), type_="check")
            batch_op.create_check_constraint(op.f(f"ck_{table}_channel"), f"channel IN {allowed}")


def upgrade() -> None:
    """Create the messages tables; allow the sms channel on contacts and requests."""
    op.create_table('message_lists',
    sa.Column('name', sa.String(length=48), nullable=False),
    sa.Column('label', sa.String(length=128), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_message_lists'))
    )
    op.create_table('message_templates',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('sms', sa.Text(), nullable=False),
    sa.Column('email', sa.Text(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_templates'))
    )
    op.create_table('message_preferences',
    sa.Column('citizen_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint("channel IN ('sms', 'email')", name=op.f('ck_message_preferences_channel')),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizens.id'], name=op.f('fk_message_preferences_citizen_id_citizens'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('citizen_id', name=op.f('pk_message_preferences'))
    )
    op.create_table('messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('recipient', sa.String(length=320), nullable=False),
    sa.Column('citizen_id', sa.Integer(), nullable=True),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('purpose', sa.String(length=64), nullable=False),
    sa.Column('template', sa.String(length=64), nullable=True),
    sa.Column('subject', sa.String(length=255), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('alert', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('state', sa.String(length=16), server_default='pending', nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('max_attempts', sa.Integer(), server_default='12', nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_by', sa.String(length=64), nullable=True),
    sa.Column('attempt_id', sa.String(length=64), nullable=True),
    sa.Column('external_id', sa.String(length=255), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('fallback_of', sa.Integer(), nullable=True),
    sa.Column('alternates', sa.JSON(), nullable=True),
    sa.Column('dedupe_key', sa.String(length=128), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint("channel IN ('sms', 'email')", name=op.f('ck_messages_channel')),
    sa.CheckConstraint("state IN ('pending', 'sending', 'sent', 'delivered', 'failed', 'unknown', 'cancelled')", name=op.f('ck_messages_state')),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizens.id'], name=op.f('fk_messages_citizen_id_citizens')),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_messages_contact_id_contacts')),
    sa.ForeignKeyConstraint(['fallback_of'], ['messages.id'], name=op.f('fk_messages_fallback_of_messages')),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_messages_request_id_requests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_messages')),
    sa.UniqueConstraint('attempt_id', name=op.f('uq_messages_attempt_id')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_messages_dedupe_key'))
    )
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_messages_citizen_id'), ['citizen_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_messages_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_messages_request_id'), ['request_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_messages_state_next_attempt_at'), ['state', 'next_attempt_at'], unique=False)

    _channels(NEW)
    op.bulk_insert(sa.table('message_lists', sa.column('name'), sa.column('label'),
                            sa.column('description')), LISTS)


def downgrade() -> None:
    """Drop the messages tables; contacts and requests back to their four channels."""
    _channels(OLD)
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_messages_state_next_attempt_at'))
        batch_op.drop_index(batch_op.f('ix_messages_request_id'))
        batch_op.drop_index(batch_op.f('ix_messages_created_at'))
        batch_op.drop_index(batch_op.f('ix_messages_citizen_id'))

    op.drop_table('messages')
    op.drop_table('message_preferences')
    op.drop_table('message_templates')
    op.drop_table('message_lists')
