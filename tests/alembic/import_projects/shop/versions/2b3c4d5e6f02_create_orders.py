"""create orders with a foreign key to users

Revision ID: 2b3c4d5e6f02
Revises: 1a2b3c4d5e01
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "2b3c4d5e6f02"
down_revision = "1a2b3c4d5e01"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "orders",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("total", sa.Numeric(12, 2), nullable=False),
        sa.Column("lines", postgresql.JSONB, server_default=sa.text("'[]'::jsonb")),
        sa.Column("reference", sa.String(40)),
        sa.UniqueConstraint("reference", name="orders_reference_key"),
        sa.CheckConstraint("total >= 0", name="orders_total_positive"),
    )
    op.create_index("orders_user_idx", "orders", ["user_id", sa.text("id DESC")])


def downgrade():
    op.drop_table("orders")
