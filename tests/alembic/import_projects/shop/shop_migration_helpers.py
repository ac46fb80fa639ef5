"""A helper module of the shop project that its revisions import, as applications keep theirs."""
import sqlalchemy as sa


def timestamp_columns():
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True)),
    ]
