"""mar: survey links by SMS, how a survey was answered, e-mail attachments.

``surveys.token`` is the secret of the link sent by SMS after a call (« donnez votre
avis »): the survey row exists from the sending, with no scores until the citizen
answers on the public page; ``surveys.channel`` says where it was answered (``phone``
or ``web``). ``messages.attachment`` is a file sent with an e-mail (the monthly
Marianne report to the élus), a path under the instance's home.

Revision ID: 0010_mar
Revises: 0009_self_service
Create Date: 2026-11-30 15:30:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0010_mar'
down_revision: Union[str, Sequence[str], None] = '0009_self_service'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Add the survey link's token and channel, and the message attachment."""
    with op.batch_alter_table('surveys') as batch:
        batch.add_column(sa.Column('token', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('channel', sa.String(length=8), nullable=False,
                                   server_default='phone'))
        batch.create_unique_constraint(batch.f('uq_surveys_token'), ['token'])
    with op.batch_alter_table('messages') as batch:
        batch.add_column(sa.Column('attachment', sa.String(length=500), nullable=True))


def downgrade() -> None:
    """Drop them again."""
    with op.batch_alter_table('messages') as batch:
        batch.drop_column('attachment')
    with op.batch_alter_table('surveys') as batch:
        batch.drop_constraint(batch.f('uq_surveys_token'), type_='unique')
        batch.drop_column('channel')
        batch.drop_column('token')
