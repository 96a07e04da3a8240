"""stage entries: the funnel's aggregate (issue 13)

One row per cycle coming to a stage (stage, entered and left, the next stage, the outcome once
left or ended in), kept by the engine with each step; backfilled here from the history with the same
definition (storage.repositories.stage_entries.rebuild).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 18:10:00
"""
import sqlalchemy as sa
from alembic import op

import storage.models

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('stage_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=200), nullable=False),
    sa.Column('entered_at', storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('left_at', storage.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('next_stage', sa.String(length=200), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_stage_entries_cycle', 'stage_entries', ['cycle_id', 'left_at'], unique=False)
    op.create_index('ix_stage_entries_entered', 'stage_entries', ['entered_at'], unique=False)
    op.create_index('ix_stage_entries_stage', 'stage_entries', ['stage', 'entered_at', 'cycle_id'], unique=False)
    from storage.repositories.stage_entries import rebuild

    rebuild(op.get_bind())


def downgrade() -> None:
    op.drop_index('ix_stage_entries_stage', table_name='stage_entries')
    op.drop_index('ix_stage_entries_entered', table_name='stage_entries')
    op.drop_index('ix_stage_entries_cycle', table_name='stage_entries')
    op.drop_table('stage_entries')
