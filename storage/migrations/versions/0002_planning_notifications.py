"""planning, notifications

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 01:14:14.058940
"""
from alembic import op
import sqlalchemy as sa
import storage.models


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # issue 4: time zones, e-mail and calendar feed of users; ad-hoc contacts, done work,
    # contact norms, notifications
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('login', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('link', sa.String(length=300), nullable=True),
    sa.Column('created_at', storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('read_at', storage.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('email_status', sa.String(length=8), nullable=True),
    sa.Column('email_attempts', sa.Integer(), nullable=False),
    sa.Column('email_claimed_at', storage.models.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('login', 'key')
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_email', ['email_status'], unique=False)
        batch_op.create_index('ix_notifications_login_unread', ['login', 'read_at', 'created_at'], unique=False)

    op.create_table('contact_norms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=100), nullable=False),
    sa.Column('segment_id', sa.Integer(), nullable=True),
    sa.Column('max_days', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['segment_id'], ['segments.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('stage', 'segment_id')
    )
    op.create_table('activities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=True),
    sa.Column('assignee', sa.String(length=64), nullable=False),
    sa.Column('work_type', sa.String(length=50), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('planned_at', storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('done_at', storage.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('result', sa.Text(), nullable=True),
    sa.Column('reminded', sa.Integer(), nullable=False),
    sa.Column('created_at', storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], ),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.create_index('ix_activities_assignee_status', ['assignee', 'status', 'planned_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_activities_client_id'), ['client_id'], unique=False)

    op.create_table('work_done',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('login', sa.String(length=64), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=True),
    sa.Column('task_id', sa.String(length=36), nullable=True),
    sa.Column('activity_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('work_type', sa.String(length=50), nullable=True),
    sa.Column('due_at', storage.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('done_at', storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('result', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], ),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], ),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('work_done', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_done_client_id'), ['client_id'], unique=False)
        batch_op.create_index('ix_work_done_login_done', ['login', 'done_at'], unique=False)
        batch_op.create_index('ix_work_done_login_due', ['login', 'due_at'], unique=False)

    with op.batch_alter_table('clients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_contact_at', storage.models.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('open_tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminded', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_index('ix_open_tasks_due', ['due_at'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), server_default='UTC', nullable=False))
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('calendar_salt', sa.String(length=32), server_default='', nullable=False))



def downgrade() -> None:
    # issue 4: time zones, e-mail and calendar feed of users; ad-hoc contacts, done work,
    # contact norms, notifications
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('calendar_salt')
        batch_op.drop_column('email')
        batch_op.drop_column('timezone')

    with op.batch_alter_table('open_tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_open_tasks_due')
        batch_op.drop_column('reminded')

    with op.batch_alter_table('clients', schema=None) as batch_op:
        batch_op.drop_column('last_contact_at')

    with op.batch_alter_table('work_done', schema=None) as batch_op:
        batch_op.drop_index('ix_work_done_login_due')
        batch_op.drop_index('ix_work_done_login_done')
        batch_op.drop_index(batch_op.f('ix_work_done_client_id'))

    op.drop_table('work_done')
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activities_client_id'))
        batch_op.drop_index('ix_activities_assignee_status')

    op.drop_table('activities')
    op.drop_table('contact_norms')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_login_unread')
        batch_op.drop_index('ix_notifications_email')

    op.drop_table('notifications')
