"""images: on PostgreSQL, an index on relpath in bytewise ("C") order

A folder's rows are read as the range of paths from ``dir/`` to ``dir0`` (every path
that starts with ``dir/``; "0" follows "/" byte-wise). That holds in bytewise order only:
a team's server made with a glibc locale such as en_US.UTF-8 compares ``dir/a`` nearly as
``dira`` (punctuation counts last), which sorts after ``dir0``, so the range missed the
folder's files. The comparison is now made in the "C" collation on PostgreSQL
(``repo_folders.files_in_folder``), and this index keeps it an index range. SQLite
compares bytes already (BINARY).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute('CREATE INDEX IF NOT EXISTS ix_images_relpath_c ON images (relpath COLLATE "C")')


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_images_relpath_c")
