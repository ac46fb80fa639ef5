"""reports branch: a view over billing's invoices (depends_on)

Revision ID: 7b0200000002
Revises: "7b0100000001"
"""
from alembic import op
import sqlalchemy as sa

revision = "7b0200000002"
down_revision = "7b0100000001"
branch_labels = None
depends_on = ("7a0100000001",)


def upgrade():
    op.execute("CREATE VIEW reports.invoiced AS SELECT i.id, o.total FROM invoices i JOIN orders o ON o.id = i.order_id")


def downgrade():
    op.execute("DROP VIEW reports.invoiced")
