"""operations on running cycles: suspension, batches, migration plans, incident alerts (issue 12)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 13:30:00
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import storage.models  # noqa: F401

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
