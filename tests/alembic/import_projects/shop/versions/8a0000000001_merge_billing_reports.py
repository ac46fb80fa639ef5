"""merge billing and reports

Revision ID: 8a0000000001
Revises: ("7a0200000002", "7b0200000002")
"""
from alembic import op
import sqlalchemy as sa

revision = "8a0000000001"
down_revision = ("7a0200000002", "7b0200000002")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
