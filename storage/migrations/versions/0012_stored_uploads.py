"""imports as worker jobs: uploads stored in the database, import runs claimed by a worker

An upload is kept in the database in pieces of at most a megabyte (``upload_chunks``), so that
the worker of any host can read it; an import run waits ``queued`` until a worker claims it
(``lease_owner``, ``lease_until``, renewed after every batch). Runs started before this
migration keep their status.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 14:00:00
"""
import sqlalchemy as sa
from alembic import op

import storage.models

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('stored_uploads',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('login', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=300), nullable=False),
    sa.Column('suffix', sa.String(length=16), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('created_at', storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('stored_uploads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stored_uploads_created_at'), ['created_at'], unique=False)
    op.create_table('upload_chunks',
    sa.Column('upload_id', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['upload_id'], ['stored_uploads.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('upload_id', 'seq')
    )
    with op.batch_alter_table('import_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('upload_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('lease_owner', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('lease_until', storage.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_import_runs_status', ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('import_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_import_runs_status')
        batch_op.drop_column('lease_until')
        batch_op.drop_column('lease_owner')
        batch_op.drop_column('upload_id')
    op.drop_table('upload_chunks')
    with op.batch_alter_table('stored_uploads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stored_uploads_created_at'))
    op.drop_table('stored_uploads')
