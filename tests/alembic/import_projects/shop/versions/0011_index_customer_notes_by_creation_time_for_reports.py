"""index customer notes by creation time

Revision ID: 0011_index_customer_notes_by_creation_time_for_reports
Revises: "0010_add_customer_notes_with_a_long_readable_id"
"""
from alembic import op
import sqlalchemy as sa

revision = "0011_index_customer_notes_by_creation_time_for_reports"
down_revision = "0010_add_customer_notes_with_a_long_readable_id"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("customer_notes_created_idx", "customer_notes", ["created_at"])


def downgrade():
    op.drop_index("customer_notes_created_idx", table_name="customer_notes")
