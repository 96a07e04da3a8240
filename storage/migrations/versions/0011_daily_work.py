"""daily work: deal amounts and task context (issue 16)

Files sent with task forms (``file`` fields), kept with their client and cycle.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 13:30:00
"""
import sqlalchemy as sa
from alembic import op

import storage.models

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=True),
    sa.Column('task_name', sa.String(length=300), nullable=True),
    sa.Column('field', sa.String(length=100), nullable=True),
    sa.Column('filename', sa.String(length=300), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('uploaded_by', sa.String(length=64), nullable=False),
    sa.Column('uploaded_at', storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_attachments_client_at', 'attachments', ['client_id', 'uploaded_at'], unique=False)
    op.create_index(op.f('ix_attachments_cycle_id'), 'attachments', ['cycle_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_attachments_cycle_id'), table_name='attachments')
    op.drop_index('ix_attachments_client_at', table_name='attachments')
    op.drop_table('attachments')
