"""messages: « send to a list » broadcasts (paced by the sender, once per subscriber) and
subscriptions asked through the API waiting for their double opt-in.

Revision ID: 0013_msg
Revises: 0012_alerts
Create Date: 2026-11-30 15:30:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0013_msg'
down_revision: Union[str, Sequence[str], None] = '0012_alerts'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Create message_broadcasts and subscription_requests."""
    op.create_table('message_broadcasts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('list_name', sa.String(length=48), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('per_minute', sa.Integer(), nullable=False),
    sa.Column('cursor', sa.Integer(), nullable=False),
    sa.Column('queued', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("state IN ('en_cours', 'terminee')", name=op.f('ck_message_broadcasts_state')),
    sa.ForeignKeyConstraint(['list_name'], ['message_lists.name'], name=op.f('fk_message_broadcasts_list_name_message_lists')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_broadcasts')),
    sa.UniqueConstraint('key', name=op.f('uq_message_broadcasts_key'))
    )
    op.create_table('subscription_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=True),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('address', sa.String(length=320), nullable=False),
    sa.Column('list_name', sa.String(length=48), nullable=False),
    sa.Column('wording', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.CheckConstraint("channel IN ('sms', 'email')", name=op.f('ck_subscription_requests_channel')),
    sa.ForeignKeyConstraint(['list_name'], ['message_lists.name'], name=op.f('fk_subscription_requests_list_name_message_lists')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscription_requests')),
    sa.UniqueConstraint('secret_hash', name=op.f('uq_subscription_requests_secret_hash'))
    )
    with op.batch_alter_table('subscription_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subscription_requests_address'), ['address'], unique=False)


def downgrade() -> None:
    """Drop both tables."""
    with op.batch_alter_table('subscription_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subscription_requests_address'))
    op.drop_table('subscription_requests')
    op.drop_table('message_broadcasts')
