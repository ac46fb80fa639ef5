"""read the Flask application's configuration (needs its application context)

Revision ID: dead00000006
Revises: dead00000005
"""
from alembic import op
import sqlalchemy as sa
from flask import current_app

revision = "dead00000006"
down_revision = "dead00000005"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("counters", sa.Column("unit", sa.String(20), server_default=current_app.config["COUNTER_UNIT"]))


def downgrade():
    op.drop_column("counters", "unit")
