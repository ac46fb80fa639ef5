"""end the migration's transaction through the connection (SQLAlchemy 2.0), then index concurrently

Revision ID: dead00000005
Revises: dead00000004
"""
from alembic import op
import sqlalchemy as sa

revision = "dead00000005"
down_revision = "dead00000004"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("counters", sa.Column("updated_at", sa.DateTime))
    op.execute("UPDATE counters SET updated_at = now()")
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction: close it first.
    op.get_bind().commit()
    op.execute("ANALYZE counters")
    with op.get_context().autocommit_block():
        op.create_index("counters_updated_idx", "counters", ["updated_at"], postgresql_concurrently=True)


def downgrade():
    op.drop_index("counters_updated_idx", table_name="counters")
    op.drop_column("counters", "updated_at")
