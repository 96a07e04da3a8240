"""external tasks, messages and correlation (issue 11)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 13:30:00
"""
import sqlalchemy as sa
from alembic import op

import storage.models

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cycles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('business_key', sa.String(length=200), nullable=True))
        batch_op.create_index('ix_cycles_business_key', ['business_key'], unique=False)
    op.create_table('external_tasks',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('element_id', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('topic', sa.String(length=200), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('retries', sa.Integer(), nullable=True),
    sa.Column('error_message', sa.Text(), nullable=True),
    sa.Column('error_details', sa.Text(), nullable=True),
    sa.Column('worker_id', sa.String(length=255), nullable=True),
    sa.Column('lock_expires_at', storage.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('available_at', storage.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_external_tasks_cycle_id', 'external_tasks', ['cycle_id'], unique=False)
    op.create_index('ix_external_tasks_topic', 'external_tasks', ['topic', 'lock_expires_at'], unique=False)
    op.create_table('message_subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.String(length=36), nullable=False),
    sa.Column('element_id', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_message_subscriptions_cycle_id', 'message_subscriptions', ['cycle_id'], unique=False)
    op.create_index('ix_message_subscriptions_name', 'message_subscriptions', ['kind', 'name'], unique=False)
    op.create_table('received_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.String(length=200), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=True),
    sa.Column('business_key', sa.String(length=200), nullable=True),
    sa.Column('correlation', sa.JSON(), nullable=False),
    sa.Column('variables', sa.JSON(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=True),
    sa.Column('sender', sa.String(length=64), nullable=True),
    sa.Column('received_at', storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', storage.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', storage.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('delivered_to_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['delivered_to_id'], ['cycles.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('message_id')
    )
    op.create_index('ix_received_messages_client_id', 'received_messages', ['client_id'], unique=False)
    op.create_index('ix_received_messages_cycle_id', 'received_messages', ['cycle_id'], unique=False)
    op.create_index('ix_received_messages_delivered_to_id', 'received_messages', ['delivered_to_id'], unique=False)
    op.create_index('ix_received_messages_waiting', 'received_messages', ['state', 'name'], unique=False)


def downgrade() -> None:
    op.drop_table('received_messages')
    op.drop_table('message_subscriptions')
    op.drop_table('external_tasks')
    with op.batch_alter_table('cycles', schema=None) as batch_op:
        batch_op.drop_index('ix_cycles_business_key')
        batch_op.drop_column('business_key')
