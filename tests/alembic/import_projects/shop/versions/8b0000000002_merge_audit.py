"""merge the billing and reports merge with audit

Revision ID: 8b0000000002
Revises: ("8a0000000001", "7c0100000001")
"""
from alembic import op
import sqlalchemy as sa

revision = "8b0000000002"
down_revision = ("8a0000000001", "7c0100000001")
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("audit_log_time_idx", "audit_log", ["happened_at"])


def downgrade():
    op.drop_index("audit_log_time_idx", table_name="audit_log")
