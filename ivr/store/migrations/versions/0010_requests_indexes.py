"""requests: worklist indexes (open, clock running or not, due date, id), with and
without a department, so that the « late first, then by due date » order is read as
range scans of an index instead of sorting every open request; they replace
(department, closed_at, due_at).

Revision ID: 0010_requests_indexes
Revises: 0009_self_service
Create Date: 2026-11-30 15:30:00

"""
from typing import Sequence, Union

from alembic import op


revision: str = '0010_requests_indexes'
down_revision: Union[str, Sequence[str], None] = '0009_self_service'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Create the two worklist indexes, drop the one they replace."""
    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_requests_department_closed_at_clock_stopped_at_due_at_id'),
            ['department', 'closed_at', 'clock_stopped_at', 'due_at', 'id'], unique=False)
        batch_op.create_index(
            batch_op.f('ix_requests_closed_at_clock_stopped_at_due_at_id'),
            ['closed_at', 'clock_stopped_at', 'due_at', 'id'], unique=False)
        batch_op.drop_index(batch_op.f('ix_requests_department_closed_at_due_at'))


def downgrade() -> None:
    """Back to the single (department, closed_at, due_at) index."""
    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_requests_department_closed_at_due_at'),
                              ['department', 'closed_at', 'due_at'], unique=False)
        batch_op.drop_index(batch_op.f('ix_requests_closed_at_clock_stopped_at_due_at_id'))
        batch_op.drop_index(
            batch_op.f('ix_requests_department_closed_at_clock_stopped_at_due_at_id'))
