"""add a column, then an index built concurrently and an enum value, outside the transaction

Revision ID: 6f7a8b9c0d06
Revises: 5e6f7a8b9c05
"""
from alembic import op
import sqlalchemy as sa

revision = "6f7a8b9c0d06"
down_revision = "5e6f7a8b9c05"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("orders", sa.Column("status", sa.String(20), server_default="new", nullable=False))
    op.create_check_constraint("orders_status_known", "orders", "status IN ('new', 'paid', 'shipped')")
    with op.get_context().autocommit_block():
        op.create_index("orders_status_idx", "orders", ["status"], postgresql_concurrently=True)
        op.execute("ALTER TYPE user_status ADD VALUE 'suspended'")
    op.execute("COMMENT ON COLUMN orders.status IS 'where the order is'")


def downgrade():
    with op.get_context().autocommit_block():
        op.drop_index("orders_status_idx", table_name="orders", postgresql_concurrently=True)
    op.drop_constraint("orders_status_known", "orders", type_="check")
    op.drop_column("orders", "status")
