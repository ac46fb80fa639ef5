"""add account names"""
from alembic import op
import sqlalchemy as sa

revision = "a2"
down_revision = "a1"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("accounts", sa.Column("display_name", sa.Text, nullable=False, server_default=""))


def downgrade():
    op.drop_column("accounts", "display_name")
