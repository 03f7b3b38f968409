"""marianne: satisfaction surveys; complaint acknowledgement, escalation and answer.

``requests`` gains the acknowledgement deadline and instant, the escalation instant,
the answer sent to the citizen and, for suggestions, whether it was adopted;
``request_events.kind`` admits ``acknowledged``, ``escalated`` and ``answered``.
``surveys`` holds one row per survey offered at the end of a call (scores are NULL
when the caller keyed nothing valid).

Revision ID: 0006_marianne
Revises: 0005_appointments
Create Date: 2026-11-30 13:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0006_marianne'
down_revision: Union[str, Sequence[str], None] = '0005_appointments'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

OLD_KINDS = "kind IN ('created', 'status', 'assigned', 'note')"
NEW_KINDS = ("kind IN ('created', 'status', 'assigned', 'note', 'acknowledged', 'escalated', "
             "'answered')")


def _kinds(condition: str) -> None:
    with op.batch_alter_table('request_events', recreate='always') as batch:
        batch.drop_constraint(op.f('ck_request_events_kind'), type_='check')
        batch.create_check_constraint('kind', condition)


def upgrade() -> None:
    """Add the Marianne columns and the surveys table."""
    with op.batch_alter_table('requests') as batch:
        batch.add_column(sa.Column('acknowledge_due_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('answer', sa.Text(), nullable=True))
        batch.add_column(sa.Column('adopted', sa.Boolean(), nullable=True))
    _kinds(NEW_KINDS)
    op.create_table('surveys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('caller', sa.String(length=64), nullable=True),
    sa.Column('department', sa.String(length=64), nullable=True),
    sa.Column('agent', sa.String(length=64), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('satisfaction', sa.Integer(), nullable=True),
    sa.Column('got_answer', sa.Boolean(), nullable=True),
    sa.CheckConstraint('satisfaction IS NULL OR satisfaction BETWEEN 1 AND 5', name=op.f('ck_surveys_satisfaction')),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_surveys_contact_id_contacts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_surveys'))
    )
    op.create_index(op.f('ix_surveys_at'), 'surveys', ['at'], unique=False)
    op.create_index(op.f('ix_surveys_caller'), 'surveys', ['caller'], unique=False)


def downgrade() -> None:
    """Drop the surveys table and the Marianne columns."""
    op.drop_index(op.f('ix_surveys_caller'), table_name='surveys')
    op.drop_index(op.f('ix_surveys_at'), table_name='surveys')
    op.drop_table('surveys')
    op.execute("DELETE FROM request_events WHERE kind IN ('acknowledged', 'escalated', 'answered')")
    _kinds(OLD_KINDS)
    with op.batch_alter_table('requests') as batch:
        for column in ('adopted', 'answer', 'escalated_at', 'acknowledged_at',
                       'acknowledge_due_at'):
            batch.drop_column(column)
