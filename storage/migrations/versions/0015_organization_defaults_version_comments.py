"""Organization defaults (time zone, language), users who follow them, comments on deployed versions

``organization_settings`` holds one row: the time zone and language of everyone who has not chosen
their own (NULL: the environment's REGLAMENT_TIME_ZONE / REGLAMENT_LANGUAGE, else UTC and English)
and a version that API-token caches compare. ``users.timezone`` and ``users.locale`` become
nullable: NULL means "the organization's". ``regulation_versions.comment`` is the label a deploy
may give its version.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 18:00:00
"""
import sqlalchemy as sa
from alembic import op

import storage.models

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'organization_settings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('time_zone', sa.String(length=64), nullable=True),
        sa.Column('language', sa.String(length=8), nullable=True),
        sa.Column('version', sa.Integer(), server_default='0', nullable=False),
        sa.Column('updated_at', storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column('updated_by', sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('timezone', existing_type=sa.String(length=64), nullable=True,
                              existing_server_default='UTC', server_default=None)
        batch_op.alter_column('locale', existing_type=sa.String(length=8), nullable=True)
    with op.batch_alter_table('regulation_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('comment', sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('regulation_versions', schema=None) as batch_op:
        batch_op.drop_column('comment')
    op.execute("UPDATE users SET timezone = 'UTC' WHERE timezone IS NULL")
    op.execute("UPDATE users SET locale = 'en' WHERE locale IS NULL")
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('timezone', existing_type=sa.String(length=64), nullable=False, server_default='UTC')
        batch_op.alter_column('locale', existing_type=sa.String(length=8), nullable=False)
    op.drop_table('organization_settings')
