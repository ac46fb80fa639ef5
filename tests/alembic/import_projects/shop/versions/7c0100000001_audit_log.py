"""audit branch: audit log

Revision ID: 7c0100000001
Revises: "6f7a8b9c0d06"
"""
from alembic import op
import sqlalchemy as sa

from shop_migration_helpers import timestamp_columns

revision = "7c0100000001"
down_revision = "6f7a8b9c0d06"
branch_labels = ("audit",)
depends_on = None


def upgrade():
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("happened_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
        sa.Column("what", sa.Text, nullable=False),
        *timestamp_columns(),
    )


def downgrade():
    op.drop_table("audit_log")
