"""cycle paths kept: the variants are a GROUP BY, not every completion read (issue 13)

Each cycle's completed tasks in the order they were first completed (loops collapsed), kept by
the step that completes a task and filled here from the history in one INSERT ... SELECT
(storage.repositories.cycle_paths.from_history).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 16:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'cycle_paths',
        sa.Column('cycle_id', sa.Integer(), nullable=False),
        sa.Column('path', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('cycle_id'),
    )
    from storage.repositories.cycle_paths import rebuild

    rebuild(op.get_bind())


def downgrade() -> None:
    op.drop_table('cycle_paths')
