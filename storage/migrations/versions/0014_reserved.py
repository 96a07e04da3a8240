"""Reserved step 14: no change yet (kept so that the chain stays linear while work lands in parallel)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 18:00:00
"""

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
