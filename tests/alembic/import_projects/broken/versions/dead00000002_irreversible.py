"""drop a legacy table, with no way back

Revision ID: dead00000002
Revises: dead00000001
"""
from alembic import op
import sqlalchemy as sa

revision = "dead00000002"
down_revision = "dead00000001"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("DROP TABLE IF EXISTS legacy_accounts")


def downgrade():
    raise NotImplementedError("legacy_accounts cannot be restored")
