"""requests: worklist indexes, partial, so that the « late first, then by due date »
order is read as ordered range scans instead of sorting every open request: open
requests whose clock runs by (due_at, id), and by (department, due_at, id); open
requests waiting for the citizen by (department, due_at, id). They replace
(department, closed_at, due_at): PostgreSQL takes an index's order after ``= value``
columns only, never after ``IS NULL`` ones, so that index could not give the order.

Revision ID: 0011_requests_indexes
Revises: 0010_mar
Create Date: 2026-11-30 15:30:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0011_requests_indexes'
down_revision: Union[str, Sequence[str], None] = '0010_mar'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

RUNNING = 'closed_at IS NULL AND clock_stopped_at IS NULL'
WAITING = 'closed_at IS NULL AND clock_stopped_at IS NOT NULL'
INDEXES = (
    ('ix_requests_running_due_at_id', ['due_at', 'id'], RUNNING),
    ('ix_requests_running_department_due_at_id', ['department', 'due_at', 'id'], RUNNING),
    ('ix_requests_waiting_department_due_at_id', ['department', 'due_at', 'id'], WAITING),
)


def upgrade() -> None:
    """Create the three partial worklist indexes, drop the one they replace."""
    with op.batch_alter_table('requests', schema=None) as batch_op:
        for name, columns, where in INDEXES:
            batch_op.create_index(name, columns, unique=False,
                                  sqlite_where=sa.text(where), postgresql_where=sa.text(where))
        batch_op.drop_index(batch_op.f('ix_requests_department_closed_at_due_at'))


def downgrade() -> None:
    """Back to the single (department, closed_at, due_at) index."""
    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_requests_department_closed_at_due_at'),
                              ['department', 'closed_at', 'due_at'], unique=False)
        for name, _, _ in INDEXES:
            batch_op.drop_index(name)
