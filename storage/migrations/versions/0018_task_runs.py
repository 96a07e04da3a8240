"""task runs kept: the durations and the heat map read one row per task, not its history (issue 13)

One row per user task of a cycle (created, first claimed, last completed, its element, stage,
work type and due time), kept by the step that records the task's events and filled here from
the history in one INSERT ... SELECT (storage.repositories.task_runs.from_history).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 16:30:00
"""
import sqlalchemy as sa
from alembic import op

import storage.models

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'task_runs',
        sa.Column('task_id', sa.String(length=36), nullable=False),
        sa.Column('cycle_id', sa.Integer(), nullable=False),
        sa.Column('element_id', sa.String(length=200), nullable=True),
        sa.Column('name', sa.String(length=300), nullable=True),
        sa.Column('stage', sa.String(length=200), nullable=True),
        sa.Column('work_type', sa.String(length=200), nullable=True),
        sa.Column('due_at', sa.Text(), nullable=True),
        sa.Column('created_at', storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column('claimed_at', storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column('completed_at', storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('task_id'),
    )
    from storage.repositories.task_runs import rebuild

    rebuild(op.get_bind())
    op.create_index('ix_task_runs_cycle', 'task_runs', ['cycle_id'], unique=False)
    op.create_index('ix_task_runs_element', 'task_runs', ['element_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_task_runs_element', table_name='task_runs')
    op.drop_index('ix_task_runs_cycle', table_name='task_runs')
    op.drop_table('task_runs')
