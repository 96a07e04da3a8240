"""client base, teams, distribution

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 01:18:23.440780
"""
from alembic import op
import sqlalchemy as sa
import storage.models
from storage.keys import name_key


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # issue 5: the client base (fields, contacts, client events), teams and absences for lead
    # distribution, hand-overs, imports; trigram indexes for substring search on PostgreSQL
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    op.create_table('import_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=300), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', storage.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('mapping', sa.JSON(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('processed', sa.Integer(), nullable=False),
    sa.Column('imported', sa.Integer(), nullable=False),
    sa.Column('rejected', sa.JSON(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('teams',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('strategy', sa.String(length=16), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('absences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('absences', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_absences_user_id'), ['user_id'], unique=False)

    op.create_table('handovers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('from_user_id', sa.Integer(), nullable=False),
    sa.Column('to_user_id', sa.Integer(), nullable=False),
    sa.Column('client_ids', sa.JSON(), nullable=False),
    sa.Column('returns_at', storage.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['from_user_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['to_user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('handovers', schema=None) as batch_op:
        batch_op.create_index('ix_handovers_return', ['status', 'returns_at'], unique=False)

    op.create_table('team_members',
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('share', sa.Integer(), nullable=False),
    sa.Column('cap', sa.Integer(), nullable=True),
    sa.Column('credit', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('team_id', 'user_id')
    )
    op.create_table('client_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('at', storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('type', sa.String(length=32), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('client_events', schema=None) as batch_op:
        batch_op.create_index('ix_client_events_client_at', ['client_id', 'at'], unique=False)

    op.create_table('contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('position', sa.String(length=200), nullable=True),
    sa.Column('phone', sa.String(length=50), nullable=True),
    sa.Column('phone_key', sa.String(length=20), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('email_key', sa.String(length=254), nullable=True),
    sa.Column('created_at', storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contacts_client_id'), ['client_id'], unique=False)
        batch_op.create_index('ix_contacts_email_key', ['email_key'], unique=False, postgresql_using='gin', postgresql_ops={'email_key': 'gin_trgm_ops'})
        batch_op.create_index('ix_contacts_phone_key', ['phone_key'], unique=False, postgresql_using='gin', postgresql_ops={'phone_key': 'gin_trgm_ops'})
        batch_op.create_index('ix_contacts_name', ['name'], unique=False, postgresql_using='gin', postgresql_ops={'name': 'gin_trgm_ops'})
        batch_op.create_index('ix_contacts_phone_key_eq', ['phone_key'], unique=False)
        batch_op.create_index('ix_contacts_email_key_eq', ['email_key'], unique=False)

    with op.batch_alter_table('clients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_key', sa.String(length=300), server_default='', nullable=False))
        batch_op.add_column(sa.Column('kind', sa.String(length=8), server_default='company', nullable=False))
        batch_op.add_column(sa.Column('tax_id', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('industry', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('region', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('size', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('source', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('status', sa.String(length=16), server_default='lead', nullable=False))
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('updated_at', storage.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_clients_name_key', ['name_key'], unique=False, postgresql_using='gin', postgresql_ops={'name_key': 'gin_trgm_ops'})
        batch_op.create_index('ix_clients_name_key_eq', ['name_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_clients_segment_id'), ['segment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_clients_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_clients_tax_id'), ['tax_id'], unique=False)
        batch_op.create_foreign_key('fk_clients_merged_into', 'clients', ['merged_into_id'], ['id'])

    with op.batch_alter_table('segments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rules', sa.JSON(), server_default='[]', nullable=False))
        batch_op.add_column(sa.Column('position', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('team_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_segments_team', 'teams', ['team_id'], ['id'], ondelete='SET NULL')

    clients = sa.table('clients', sa.column('id', sa.Integer), sa.column('name', sa.String))
    connection = op.get_bind()
    for row in connection.execute(sa.select(clients.c.id, clients.c.name)).all():
        connection.execute(sa.text('UPDATE clients SET name_key = :key WHERE id = :id'),
                           {'key': name_key(row.name), 'id': row.id})


def downgrade() -> None:
    with op.batch_alter_table('segments', schema=None) as batch_op:
        batch_op.drop_constraint('fk_segments_team', type_='foreignkey')
        batch_op.drop_column('team_id')
        batch_op.drop_column('position')
        batch_op.drop_column('rules')

    with op.batch_alter_table('clients', schema=None) as batch_op:
        batch_op.drop_constraint('fk_clients_merged_into', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_clients_tax_id'))
        batch_op.drop_index(batch_op.f('ix_clients_status'))
        batch_op.drop_index(batch_op.f('ix_clients_segment_id'))
        batch_op.drop_index('ix_clients_name_key', postgresql_using='gin', postgresql_ops={'name_key': 'gin_trgm_ops'})
        batch_op.drop_index('ix_clients_name_key_eq')
        batch_op.drop_column('updated_at')
        batch_op.drop_column('merged_into_id')
        batch_op.drop_column('status')
        batch_op.drop_column('source')
        batch_op.drop_column('size')
        batch_op.drop_column('region')
        batch_op.drop_column('industry')
        batch_op.drop_column('tax_id')
        batch_op.drop_column('kind')
        batch_op.drop_column('name_key')

    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_index('ix_contacts_phone_key', postgresql_using='gin', postgresql_ops={'phone_key': 'gin_trgm_ops'})
        batch_op.drop_index('ix_contacts_name', postgresql_using='gin', postgresql_ops={'name': 'gin_trgm_ops'})
        batch_op.drop_index('ix_contacts_phone_key_eq')
        batch_op.drop_index('ix_contacts_email_key_eq')
        batch_op.drop_index('ix_contacts_email_key', postgresql_using='gin', postgresql_ops={'email_key': 'gin_trgm_ops'})
        batch_op.drop_index(batch_op.f('ix_contacts_client_id'))

    op.drop_table('contacts')
    with op.batch_alter_table('client_events', schema=None) as batch_op:
        batch_op.drop_index('ix_client_events_client_at')

    op.drop_table('client_events')
    op.drop_table('team_members')
    with op.batch_alter_table('handovers', schema=None) as batch_op:
        batch_op.drop_index('ix_handovers_return')

    op.drop_table('handovers')
    with op.batch_alter_table('absences', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_absences_user_id'))

    op.drop_table('absences')
    op.drop_table('teams')
    op.drop_table('import_runs')

