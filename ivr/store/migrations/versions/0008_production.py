"""production: API token scopes and expiry, server-side logout.

``api_tokens.scopes`` is a space-separated list (existing tokens keep ``full``, every
right, so nothing that works today breaks); ``expires_at`` is optional.
``users.session_version`` is copied into each login session and bumped at logout, so a
copied cookie stops working when its user logs out.

Revision ID: 0008_production
Revises: 0007_messages
Create Date: 2026-11-30 13:30:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0008_production'
down_revision: Union[str, Sequence[str], None] = '0007_messages'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Add token scopes and expiry, and the users' session version."""
    with op.batch_alter_table('api_tokens') as batch:
        batch.add_column(sa.Column('scopes', sa.String(length=255), nullable=False,
                                   server_default='full'))
        batch.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('session_version', sa.Integer(), nullable=False,
                                   server_default='0'))


def downgrade() -> None:
    """Drop them again."""
    with op.batch_alter_table('users') as batch:
        batch.drop_column('session_version')
    with op.batch_alter_table('api_tokens') as batch:
        batch.drop_column('expires_at')
        batch.drop_column('scopes')
