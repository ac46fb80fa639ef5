"""backfill user slugs in Python: a data migration that reads rows, so it cannot run offline

Revision ID: 4d5e6f7a8b04
Revises: 3c4d5e6f7a03
"""
from alembic import op
import sqlalchemy as sa

revision = "4d5e6f7a8b04"
down_revision = "3c4d5e6f7a03"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("users", sa.Column("slug", sa.String(200)))
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, name FROM users")).fetchall()
    for user_id, name in rows:
        connection.execute(sa.text("UPDATE users SET slug = :slug WHERE id = :id"),
                           {"slug": name.lower().replace(" ", "-"), "id": user_id})
    op.create_index("users_slug_idx", "users", ["slug"], unique=True)


def downgrade():
    op.drop_index("users_slug_idx", table_name="users")
    op.drop_column("users", "slug")
