"""batch_alter_table on orders

Revision ID: 5e6f7a8b9c05
Revises: 4d5e6f7a8b04
"""
from alembic import op
import sqlalchemy as sa

revision = "5e6f7a8b9c05"
down_revision = "4d5e6f7a8b04"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("shipped_at", sa.DateTime(), nullable=True))
        batch.alter_column("reference", existing_type=sa.String(40), type_=sa.String(64))
        batch.create_index("orders_shipped_idx", ["shipped_at"])


def downgrade():
    with op.batch_alter_table("orders") as batch:
        batch.drop_index("orders_shipped_idx")
        batch.alter_column("reference", existing_type=sa.String(64), type_=sa.String(40))
        batch.drop_column("shipped_at")
