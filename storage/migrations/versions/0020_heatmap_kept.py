"""element runs and gateway branches kept: the heat map reads them, not the history (issue 13)

Per cycle, how many times each element ran (its completed and passed events) and how many passes
of each splitting gateway of the cycle's version took each branch (engine.control.gateways'
definition: after a pass, the first run of the element a flow leads to), with the cycle's version
and outcome; kept by the step and filled here from the history with the same statement
(storage.repositories.analytics_heatmap.from_history).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04 17:00:00
"""
import sqlalchemy as sa
from alembic import op

import storage.models

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'element_runs',
        sa.Column('cycle_id', sa.Integer(), nullable=False),
        sa.Column('element_id', sa.String(length=200), nullable=False),
        sa.Column('flow_id', sa.String(length=200), nullable=False),
        sa.Column('version_id', sa.Integer(), nullable=False),
        sa.Column('runs', sa.Integer(), nullable=False),
        sa.Column('at', storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('outcome', sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('cycle_id', 'element_id', 'flow_id'),
    )
    from storage.repositories.analytics_heatmap import rebuild

    rebuild(op.get_bind())
    op.create_index('ix_element_runs_version', 'element_runs', ['version_id', 'element_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_element_runs_version', table_name='element_runs')
    op.drop_table('element_runs')
