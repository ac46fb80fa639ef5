"""billing branch: invoices

Revision ID: 7a0100000001
Revises: "6f7a8b9c0d06"
"""
from alembic import op
import sqlalchemy as sa

revision = "7a0100000001"
down_revision = "6f7a8b9c0d06"
branch_labels = ("billing",)
depends_on = None


def upgrade():
    op.create_table(
        "invoices",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("order_id", sa.BigInteger, sa.ForeignKey("orders.id"), nullable=False),
        sa.Column("issued_on", sa.Date, server_default=sa.text("CURRENT_DATE")),
    )


def downgrade():
    op.drop_table("invoices")
