"""alter users: add_column, alter_column, raw SQL with a colon and a percent sign

Revision ID: 3c4d5e6f7a03
Revises: 2b3c4d5e6f02
"""
from alembic import op
import sqlalchemy as sa

revision = "3c4d5e6f7a03"
down_revision = "2b3c4d5e6f02"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("users", sa.Column("email", sa.String(255), nullable=True))
    op.alter_column("users", "name", existing_type=sa.String(80), type_=sa.String(200), nullable=False,
                    server_default="anonymous")
    op.create_unique_constraint("users_email_key", "users", ["email"])
    op.execute("COMMENT ON TABLE users IS 'people: 100% of them, opening at 10\\:30'")
    op.execute(
        """
        CREATE FUNCTION users_touch() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.name := coalesce(NEW.name, 'anonymous');
            RETURN NEW;
        END;
        $$
        """
    )
    op.execute("CREATE TRIGGER users_touch BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION users_touch()")


def downgrade():
    op.execute("DROP TRIGGER users_touch ON users")
    op.execute("DROP FUNCTION users_touch()")
    op.execute("COMMENT ON TABLE users IS NULL")
    op.drop_constraint("users_email_key", "users", type_="unique")
    op.alter_column("users", "name", existing_type=sa.String(200), type_=sa.String(80), nullable=True,
                    server_default=None)
    op.drop_column("users", "email")
