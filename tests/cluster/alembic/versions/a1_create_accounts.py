"""create accounts"""
from alembic import op
import sqlalchemy as sa

revision = "a1"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("accounts", sa.Column("id", sa.BigInteger, primary_key=True),
                    sa.Column("email", sa.Text, nullable=False, unique=True))


def downgrade():
    op.drop_table("accounts")
