"""self-service (#13): a citizen's postal address (one, optional) and how a request's
document is delivered (``courrier`` / ``courriel``), so an act asked by phone goes to
the address on file, or is flagged « adresse à compléter » for the agent.

Revision ID: 0015_citizen_address
Revises: 0014_alerts_ui
Create Date: 2026-11-30 18:40:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = '0015_citizen_address'
down_revision: Union[str, Sequence[str], None] = '0014_alerts_ui'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

ADDRESS = (('address_street', 120), ('address_extra', 120), ('address_postcode', 5),
           ('address_city', 80))


def upgrade() -> None:
    """Four nullable columns on citizens, one on requests."""
    with op.batch_alter_table('citizens') as batch:
        for name, length in ADDRESS:
            batch.add_column(sa.Column(name, sa.String(length=length), nullable=True))
    with op.batch_alter_table('requests') as batch:
        batch.add_column(sa.Column('delivery', sa.String(length=16), nullable=True))


def downgrade() -> None:
    """Drop them (the addresses are lost)."""
    with op.batch_alter_table('requests') as batch:
        batch.drop_column('delivery')
    with op.batch_alter_table('citizens') as batch:
        for name, _ in reversed(ADDRESS):
            batch.drop_column(name)
