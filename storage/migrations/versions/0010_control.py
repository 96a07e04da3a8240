"""control: loss reasons and analytics (issue 13)

The loss-reason catalogue the head maintains, the catalogue reason of each lost cycle, and an
index on the cycles by status and end (the dashboard reads the cycles decided in a period).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 13:30:00
"""
import sqlalchemy as sa
from alembic import op

import storage.models

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('loss_reasons',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=50), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_ru', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_table('cycle_loss_reasons',
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('reason_id', sa.Integer(), nullable=False),
    sa.Column('set_by', sa.String(length=64), nullable=False),
    sa.Column('set_at', storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reason_id'], ['loss_reasons.id']),
    sa.PrimaryKeyConstraint('cycle_id')
    )
    op.create_index('ix_cycle_loss_reasons_reason_id', 'cycle_loss_reasons', ['reason_id'], unique=False)
    op.create_index('ix_cycles_status_ended_at', 'cycles', ['status', 'ended_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_cycles_status_ended_at', table_name='cycles')
    op.drop_index('ix_cycle_loss_reasons_reason_id', table_name='cycle_loss_reasons')
    op.drop_table('cycle_loss_reasons')
    op.drop_table('loss_reasons')
