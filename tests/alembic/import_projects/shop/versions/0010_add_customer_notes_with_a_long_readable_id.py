"""customer notes

Revision ID: 0010_add_customer_notes_with_a_long_readable_id
Revises: "9a0000000001"
"""
from alembic import op
import sqlalchemy as sa

revision = "0010_add_customer_notes_with_a_long_readable_id"
down_revision = "9a0000000001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "customer_notes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
    )


def downgrade():
    op.drop_table("customer_notes")
