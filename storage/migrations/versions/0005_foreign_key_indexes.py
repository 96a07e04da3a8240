"""indexes on foreign keys

Deleting or merging a client, a regulation version or a team, and joins from a cycle to its
version, looked every referencing row up without an index.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 10:15:00
"""
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

#: (table, column) of each foreign key that had no index of its own
FOREIGN_KEYS = (
    ("handovers", "from_user_id"),
    ("handovers", "to_user_id"),
    ("motivation_schemes", "team_id"),
    ("sales_plans", "team_id"),
    ("segments", "team_id"),
    ("team_members", "user_id"),
    ("user_groups", "group_id"),
    ("clients", "merged_into_id"),
    ("contact_norms", "segment_id"),
    ("statements", "scheme_id"),
    ("cycles", "credited_to_id"),
    ("cycles", "version_id"),
    ("activities", "cycle_id"),
    ("open_tasks", "client_id"),
    ("open_tasks", "version_id"),
    ("statement_comments", "line_id"),
    ("work_done", "cycle_id"),
    ("work_done", "activity_id"),
)


def upgrade() -> None:
    for table, column in FOREIGN_KEYS:
        op.create_index(f"ix_{table}_{column}", table, [column])


def downgrade() -> None:
    for table, column in reversed(FOREIGN_KEYS):
        op.drop_index(f"ix_{table}_{column}", table_name=table)
