"""images: the SHA-256 of each file's content (``content_sha256``)

Up to 0014 the index called a file changed whenever its size or modification time moved:
a folder copied or restored without its file times (``cp -r``, rsync without ``-t``, a
backup restore, a ``git checkout``) had every image changed, each with a ``file_changed``
event, its suggestions counted as made for old content. A file whose time moved but not
its size is compared by content now. Existing rows get NULL and their digest when the
index next reads the file's header (a file whose time moves before that is changed as
before, once); nothing is read at the upgrade.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # made only where missing (a database put back to an older revision by hand upgrades again)
    if "content_sha256" not in {c["name"] for c in sa.inspect(op.get_bind()).get_columns("images")}:
        op.add_column("images", sa.Column("content_sha256", sa.String(64), nullable=True))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":  # 3.35+ drops a column in place (as 0011, 0012):
        # a batch copy of the table (DROP TABLE images) fails on the history's foreign keys
        op.execute("ALTER TABLE images DROP COLUMN content_sha256")
    else:
        op.drop_column("images", "content_sha256")
