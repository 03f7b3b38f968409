"""alerts (operators): the role « crise » (gestion de crise), who launches flood alerts
with the administrateur.

``users.role``'s check constraint is rebuilt with the new value (SQLite copies the
table to change a constraint; PostgreSQL drops and adds it).

Revision ID: 0014_alerts_ui
Revises: 0013_msg
Create Date: 2026-11-30 16:00:00

"""
from typing import Sequence, Union

from alembic import op


revision: str = '0014_alerts_ui'
down_revision: Union[str, Sequence[str], None] = '0013_msg'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

BEFORE = ("administrateur", "superviseur", "agent", "elu")
AFTER = (*BEFORE, "crise")


def _roles(roles: tuple[str, ...]) -> None:
    condition = "role IN (" + ", ".join(f"'{r}'" for r in roles) + ")"
    with op.batch_alter_table('users', recreate='always') as batch:
        batch.drop_constraint(op.f('ck_users_role'), type_='check')
        batch.create_check_constraint(op.f('ck_users_role'), condition)


def upgrade() -> None:
    """Allow the role « crise »."""
    _roles(AFTER)


def downgrade() -> None:
    """Back to the four roles (fails while a « crise » account exists)."""
    _roles(BEFORE)
