"""write a counter from a row count, read through the connection

Revision ID: dead00000003
Revises: dead00000002
"""
from alembic import op
import sqlalchemy as sa

revision = "dead00000003"
down_revision = "dead00000002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("counters", sa.Column("name", sa.Text, primary_key=True), sa.Column("value", sa.Integer))
    count = op.get_bind().execute(sa.text("SELECT count(*) FROM accounts")).scalar()
    op.execute(sa.text("INSERT INTO counters VALUES ('accounts', :n)").bindparams(n=count))


def downgrade():
    op.drop_table("counters")
