"""signal_broadcasts: thrown signals on their way to every cycle that waits for them (issue 11)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 18:20:00
"""
import sqlalchemy as sa
from alembic import op

import storage.models

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('signal_broadcasts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('variables', sa.JSON(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=True),
    sa.Column('source_cycle_id', sa.Integer(), nullable=True),
    sa.Column('skip_cycle_id', sa.Integer(), nullable=True),
    sa.Column('sender', sa.String(length=64), nullable=True),
    sa.Column('watermark', sa.Integer(), nullable=False),
    sa.Column('cursor', sa.Integer(), nullable=False),
    sa.Column('starters', sa.JSON(), nullable=True),
    sa.Column('started', sa.Integer(), nullable=False),
    sa.Column('woken', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('created_at', storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', storage.models.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['source_cycle_id'], ['cycles.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_signal_broadcasts_client_id', 'signal_broadcasts', ['client_id'], unique=False)
    op.create_index('ix_signal_broadcasts_source_cycle_id', 'signal_broadcasts', ['source_cycle_id'], unique=False)
    op.create_index('ix_signal_broadcasts_state', 'signal_broadcasts', ['state', 'id'], unique=False)


def downgrade() -> None:
    op.drop_table('signal_broadcasts')
