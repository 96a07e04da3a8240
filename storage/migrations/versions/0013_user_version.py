"""users.version: a stamp raised by every change of what a signed-in user is

Each request compares it (with the user's active flag and token epoch) with what the host
remembered of the token's user, so that new roles, a deactivation or a revoked token hold on every
host sharing the database at the next request, not after a cache's time to live.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 14:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('version')
