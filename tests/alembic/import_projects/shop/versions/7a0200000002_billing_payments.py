"""billing branch: payments

Revision ID: 7a0200000002
Revises: "7a0100000001"
"""
from alembic import op
import sqlalchemy as sa

revision = "7a0200000002"
down_revision = "7a0100000001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "payments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("invoice_id", sa.Integer, nullable=False),
        sa.Column("amount", sa.Numeric(12, 2), nullable=False),
    )
    op.create_foreign_key("payments_invoice_fk", "payments", "invoices", ["invoice_id"], ["id"], ondelete="RESTRICT")


def downgrade():
    op.drop_constraint("payments_invoice_fk", "payments", type_="foreignkey")
    op.drop_table("payments")
