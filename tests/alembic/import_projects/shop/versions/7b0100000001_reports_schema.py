"""reports branch: a schema and a view

Revision ID: 7b0100000001
Revises: "6f7a8b9c0d06"
"""
from alembic import op
import sqlalchemy as sa

revision = "7b0100000001"
down_revision = "6f7a8b9c0d06"
branch_labels = ("reports",)
depends_on = None


def upgrade():
    op.execute("CREATE SCHEMA reports")
    op.execute("CREATE VIEW reports.order_totals AS SELECT user_id, sum(total) AS total FROM orders GROUP BY user_id")


def downgrade():
    op.execute("DROP VIEW reports.order_totals")
    op.execute("DROP SCHEMA reports")
