"""widen alembic_version.version_num for readable ids

Revision ID: 9a0000000001
Revises: "8b0000000002"
"""
from alembic import op
import sqlalchemy as sa

revision = "9a0000000001"
down_revision = "8b0000000002"
branch_labels = None
depends_on = None


def upgrade():
    op.alter_column("alembic_version", "version_num", existing_type=sa.String(32), type_=sa.String(128))


def downgrade():
    op.alter_column("alembic_version", "version_num", existing_type=sa.String(128), type_=sa.String(32))
