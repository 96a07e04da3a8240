"""stage entries carry their cycle's manager and segment: the filters read no cycle or client (issue 13)

The funnel of one manager, segment or team joined the 100,000 cycles and their clients; the
entries now hold copies of the cycle's manager (whom it was credited to when decided, else its
client's owner now) and its client's segment, kept by storage.repositories.stage_entries.
Filled here from the cycles and clients as they are.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 16:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('stage_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('manager_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('segment_id', sa.Integer(), nullable=True))
    from storage.repositories.stage_entries import place

    place(op.get_bind())
    op.create_index('ix_stage_entries_manager', 'stage_entries', ['manager_id', 'entered_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_stage_entries_manager', table_name='stage_entries')
    with op.batch_alter_table('stage_entries', schema=None) as batch_op:
        batch_op.drop_column('segment_id')
        batch_op.drop_column('manager_id')
