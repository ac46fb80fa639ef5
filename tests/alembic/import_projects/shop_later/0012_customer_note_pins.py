"""pin customer notes: a revision the shop project gains after its first import

Revision ID: 0012_customer_note_pins
Revises: 0011_index_customer_notes_by_creation_time_for_reports
"""
from alembic import op
import sqlalchemy as sa

revision = "0012_customer_note_pins"
down_revision = "0011_index_customer_notes_by_creation_time_for_reports"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("customer_notes", sa.Column("pinned", sa.Boolean, nullable=False, server_default=sa.false()))


def downgrade():
    op.drop_column("customer_notes", "pinned")
