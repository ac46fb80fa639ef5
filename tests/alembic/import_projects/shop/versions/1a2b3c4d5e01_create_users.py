"""create users, with an enum type and server defaults

Revision ID: 1a2b3c4d5e01
Revises:
"""
from alembic import op
import sqlalchemy as sa

revision = "1a2b3c4d5e01"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(80), nullable=True),
        sa.Column("status", sa.Enum("active", "banned", name="user_status"), nullable=False,
                  server_default="active"),
        sa.Column("is_admin", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("score", sa.Numeric(10, 2), server_default=sa.text("0")),
    )
    op.create_index("users_name_idx", "users", ["name"])


def downgrade():
    op.drop_index("users_name_idx", table_name="users")
    op.drop_table("users")
    op.execute("DROP TYPE user_status")
