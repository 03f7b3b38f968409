"""alerts: flood-alert campaigns, their recipients and every attempt, and the
commune's safeguard-plan register (the CSV import target).

Revision ID: 0010_alerts
Revises: 0009_self_service
Create Date: 2026-11-30 15:30:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0010_alerts'
down_revision: Union[str, Sequence[str], None] = '0009_self_service'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Create alert_campaigns, alert_recipients, alert_attempts and safeguard_register."""
    op.create_table('alert_campaigns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('mode', sa.String(length=16), nullable=False),
    sa.Column('test_mode', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('message_text', sa.Text(), nullable=True),
    sa.Column('message_audio', sa.String(length=512), nullable=True),
    sa.Column('status', sa.String(length=16), server_default='brouillon', nullable=False),
    sa.Column('channel_budget', sa.Integer(), nullable=False),
    sa.Column('calls_per_minute', sa.Integer(), nullable=False),
    sa.Column('max_attempts', sa.Integer(), nullable=False),
    sa.Column('retry_spacing_seconds', sa.Integer(), nullable=False),
    sa.Column('text_copies', sa.String(length=16), server_default='secours', nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.Column('created_via', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('stopped_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("created_via IN ('admin', 'api', 'cli', 'telephone')", name=op.f('ck_alert_campaigns_created_via')),
    sa.CheckConstraint("mode IN ('alerte', 'information')", name=op.f('ck_alert_campaigns_mode')),
    sa.CheckConstraint("text_copies IN ('secours', 'parallele', 'aucune')", name=op.f('ck_alert_campaigns_text_copies')),
    sa.CheckConstraint("status IN ('brouillon', 'en_cours', 'arretee', 'terminee')", name=op.f('ck_alert_campaigns_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_campaigns'))
    )
    op.create_index(op.f('ix_alert_campaigns_status'), 'alert_campaigns', ['status'], unique=False)
    op.create_table('safeguard_register',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=True),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('address', sa.Text(), nullable=True),
    sa.Column('vulnerable', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_safeguard_register')),
    sa.UniqueConstraint('number', name=op.f('uq_safeguard_register_number'))
    )
    op.create_table('alert_recipients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=True),
    sa.Column('vulnerable', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('state', sa.String(length=16), server_default='en_attente', nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_by', sa.String(length=64), nullable=True),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_result', sa.String(length=32), nullable=True),
    sa.Column('last_reason', sa.Text(), nullable=True),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('help_requested_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('help_request_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("source IN ('abonne', 'registre', 'cellule')", name=op.f('ck_alert_recipients_source')),
    sa.CheckConstraint("state IN ('en_attente', 'en_cours', 'acquitte', 'aide', 'messagerie', 'non_acquitte', 'echec')", name=op.f('ck_alert_recipients_state')),
    sa.ForeignKeyConstraint(['campaign_id'], ['alert_campaigns.id'], name=op.f('fk_alert_recipients_campaign_id_alert_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['help_request_id'], ['requests.id'], name=op.f('fk_alert_recipients_help_request_id_requests'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_recipients')),
    sa.UniqueConstraint('campaign_id', 'number', name=op.f('uq_alert_recipients_campaign_id_number'))
    )
    op.create_index(op.f('ix_alert_recipients_campaign_id_state_next_attempt_at'), 'alert_recipients', ['campaign_id', 'state', 'next_attempt_at'], unique=False)
    op.create_table('alert_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('result', sa.String(length=32), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['recipient_id'], ['alert_recipients.id'], name=op.f('fk_alert_attempts_recipient_id_alert_recipients'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_attempts'))
    )
    op.create_index(op.f('ix_alert_attempts_recipient_id'), 'alert_attempts', ['recipient_id'], unique=False)
    op.create_index(op.f('ix_alert_attempts_started_at'), 'alert_attempts', ['started_at'], unique=False)


def downgrade() -> None:
    """Drop the alert tables."""
    op.drop_index(op.f('ix_alert_attempts_started_at'), table_name='alert_attempts')
    op.drop_index(op.f('ix_alert_attempts_recipient_id'), table_name='alert_attempts')
    op.drop_table('alert_attempts')
    op.drop_index(op.f('ix_alert_recipients_campaign_id_state_next_attempt_at'), table_name='alert_recipients')
    op.drop_table('alert_recipients')
    op.drop_table('safeguard_register')
    op.drop_index(op.f('ix_alert_campaigns_status'), table_name='alert_campaigns')
    op.drop_table('alert_campaigns')
