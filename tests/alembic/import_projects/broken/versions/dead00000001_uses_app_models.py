"""create accounts from the application's models (not installed here)

Revision ID: dead00000001
Revises:
"""
from alembic import op
import sqlalchemy as sa

from shop_internal.models import Account  # the application's code: not importable where the import runs

revision = "dead00000001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    Account.__table__.create(op.get_bind())


def downgrade():
    op.drop_table("accounts")
