"""motivation

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 01:20:07.179970
"""
from alembic import op
import sqlalchemy as sa
import storage.models


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # issue 6: sales plans, motivation schemes with their DMN tables, statements, reversals
    op.create_table('motivation_schemes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=True),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('basis', sa.String(length=16), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('rounding', sa.String(length=16), nullable=False),
    sa.Column('piece_rates', sa.JSON(), nullable=False),
    sa.Column('tables', sa.JSON(), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.Column('created_at', storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name', 'version')
    )
    op.create_table('sales_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scenario', sa.String(length=32), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('login', sa.String(length=64), nullable=True),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('revenue_target', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('won_target', sa.Integer(), nullable=False),
    sa.Column('activity_targets', sa.JSON(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=True),
    sa.Column('updated_at', storage.models.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('scenario', 'period', 'login', 'team_id')
    )
    with op.batch_alter_table('sales_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sales_plans_period'), ['period'], unique=False)

    op.create_table('statements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('login', sa.String(length=64), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('scheme_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('total', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('indicators', sa.JSON(), nullable=False),
    sa.Column('computed_at', storage.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('approved_by', sa.String(length=64), nullable=True),
    sa.Column('approved_at', storage.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('locked_at', storage.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['scheme_id'], ['motivation_schemes.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('login', 'period')
    )
    op.create_table('statement_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=18, scale=4), nullable=True),
    sa.Column('rate', sa.Numeric(precision=18, scale=4), nullable=True),
    sa.Column('amount', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('explanation', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['statement_id'], ['statements.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('statement_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statement_lines_statement_id'), ['statement_id'], unique=False)

    op.create_table('reversals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('at', storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('amount', sa.Numeric(precision=18, scale=2), nullable=True),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('reversals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reversals_cycle_id'), ['cycle_id'], unique=False)

    op.create_table('statement_comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('line_id', sa.Integer(), nullable=True),
    sa.Column('author', sa.String(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resolved', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['line_id'], ['statement_lines.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['statement_id'], ['statements.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('statement_comments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statement_comments_statement_id'), ['statement_id'], unique=False)
    with op.batch_alter_table('cycles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('credited_to_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_cycles_credited_to', 'users', ['credited_to_id'], ['id'])
    # cycles decided before: credited to their client's owner
    op.execute('UPDATE cycles SET credited_to_id = (SELECT owner_id FROM clients WHERE clients.id = cycles.client_id) '
               "WHERE status IN ('won', 'lost', 'cancelled')")


def downgrade() -> None:
    with op.batch_alter_table('cycles', schema=None) as batch_op:
        batch_op.drop_constraint('fk_cycles_credited_to', type_='foreignkey')
        batch_op.drop_column('credited_to_id')
    with op.batch_alter_table('statement_comments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statement_comments_statement_id'))

    op.drop_table('statement_comments')
    with op.batch_alter_table('reversals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reversals_cycle_id'))

    op.drop_table('reversals')
    with op.batch_alter_table('statement_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statement_lines_statement_id'))

    op.drop_table('statement_lines')
    op.drop_table('statements')
    with op.batch_alter_table('sales_plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sales_plans_period'))

    op.drop_table('sales_plans')
    op.drop_table('motivation_schemes')
