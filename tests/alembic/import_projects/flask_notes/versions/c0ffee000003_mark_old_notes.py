"""mark old notes through the connection (an UPDATE renders offline)

Revision ID: c0ffee000003
Revises: c0ffee000002
Create Date: 2026-01-07 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c0ffee000003'
down_revision = 'c0ffee000002'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('notes', sa.Column('archived', sa.Boolean(), nullable=True))
    notes = sa.table('notes', sa.column('archived', sa.Boolean), sa.column('pinned', sa.Boolean))
    op.get_bind().execute(notes.update().where(notes.c.pinned == sa.false()).values(archived=True))
    op.alter_column('notes', 'archived', existing_type=sa.Boolean(), server_default=sa.text('false'))


def downgrade():
    op.drop_column('notes', 'archived')
