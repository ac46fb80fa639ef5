"""tags, with seed rows written by bulk_insert

Revision ID: c0ffee000002
Revises: c0ffee000001
Create Date: 2026-01-06 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c0ffee000002'
down_revision = 'c0ffee000001'
branch_labels = None
depends_on = None


def upgrade():
    tags = op.create_table('tags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.bulk_insert(tags, [{'id': 1, 'name': "it's urgent"}, {'id': 2, 'name': 'later: maybe'}])
    with op.batch_alter_table('notes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tag_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('pinned', sa.Boolean(), server_default=sa.text('false'), nullable=False))
        batch_op.create_foreign_key('fk_notes_tag_id_tags', 'tags', ['tag_id'], ['id'])


def downgrade():
    with op.batch_alter_table('notes', schema=None) as batch_op:
        batch_op.drop_constraint('fk_notes_tag_id_tags', type_='foreignkey')
        batch_op.drop_column('pinned')
        batch_op.drop_column('tag_id')

    op.drop_table('tags')
