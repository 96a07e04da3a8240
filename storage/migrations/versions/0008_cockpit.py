"""operations on running cycles: suspension, batches, migration plans, incident alerts (issue 12)

Batch operations on cycles (cycle_batches, one row per cycle in cycle_batch_items) and the
indexes the cycles explorer filters by: start time, version and status, the element a cycle
waits at (open tasks, timer jobs). Suspension is a cycle status; alerts are notifications.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 13:30:00
"""
import sqlalchemy as sa
from alembic import op

import storage.models

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('cycle_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', storage.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('processed', sa.Integer(), nullable=False),
    sa.Column('succeeded', sa.Integer(), nullable=False),
    sa.Column('failed', sa.Integer(), nullable=False),
    sa.Column('lease_owner', sa.String(length=100), nullable=True),
    sa.Column('lease_until', storage.models.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_cycle_batches_status', 'cycle_batches', ['status'], unique=False)
    op.create_table('cycle_batch_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['cycle_batches.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_cycle_batch_items_batch_status', 'cycle_batch_items', ['batch_id', 'status', 'id'],
                    unique=False)
    op.create_index('ix_cycle_batch_items_cycle_id', 'cycle_batch_items', ['cycle_id'], unique=False)
    op.create_index('ix_cycles_started_at', 'cycles', ['started_at', 'id'], unique=False)
    op.create_index('ix_cycles_version_status', 'cycles', ['version_id', 'status'], unique=False)
    op.create_index('ix_open_tasks_element', 'open_tasks', ['element_id', 'cycle_id'], unique=False)
    op.create_index('ix_jobs_element', 'jobs', ['element_id', 'cycle_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_jobs_element', table_name='jobs')
    op.drop_index('ix_open_tasks_element', table_name='open_tasks')
    op.drop_index('ix_cycles_version_status', table_name='cycles')
    op.drop_index('ix_cycles_started_at', table_name='cycles')
    op.drop_index('ix_cycle_batch_items_cycle_id', table_name='cycle_batch_items')
    op.drop_index('ix_cycle_batch_items_batch_status', table_name='cycle_batch_items')
    op.drop_table('cycle_batch_items')
    op.drop_index('ix_cycle_batches_status', table_name='cycle_batches')
    op.drop_table('cycle_batches')
