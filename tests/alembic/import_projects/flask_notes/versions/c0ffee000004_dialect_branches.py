"""choose the SQL by the database's URL and dialect, as projects supporting several databases do

Revision ID: c0ffee000004
Revises: c0ffee000003
Create Date: 2026-01-08 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c0ffee000004'
down_revision = 'c0ffee000003'
branch_labels = None
depends_on = None


def upgrade():
    bind = op.get_bind()
    url = str(bind.engine.url)
    if url.startswith("mysql"):
        op.execute("ALTER TABLE notes MODIFY title VARCHAR(200)")
    elif bind.dialect.name == "postgresql":
        op.alter_column('notes', 'title', existing_type=sa.String(120), type_=sa.String(200))
        op.execute("CREATE INDEX notes_title_lower_idx ON notes (lower(title))")


def downgrade():
    if str(op.get_bind().engine.url).startswith("postgresql"):
        op.execute("DROP INDEX notes_title_lower_idx")
        op.alter_column('notes', 'title', existing_type=sa.String(200), type_=sa.String(120))
