"""images: header failures that can pass with the file unchanged are read again

Up to 0004 every failed header read was final: an image read while its file was
unreadable (permission denied), missing for a moment or on a failing disk stayed an
error after the cause was gone, since the index only reads a file's header again when
its size or time changes. Such rows get their header pending again, so the next index
reads them; the reasons are those of this version's ``imaging.errors.is_transient``.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_EXACT = ("permission denied", "file not found", "broken symbolic link", "is a directory, not a file")
_STARTS = ("I/O error", "cannot read file", "image too large", "not a regular file")


def upgrade() -> None:
    images = sa.table("images", sa.column("status", sa.String), sa.column("error", sa.Text),
                      sa.column("header_done", sa.Boolean))
    transient = sa.or_(images.c.error.in_(_EXACT), *(images.c.error.like(f"{s}%") for s in _STARTS))
    op.execute(images.update().where(images.c.status == "error", images.c.header_done.is_(True), transient)
               .values(header_done=False))


def downgrade() -> None:
    pass  # the rows are only read again: nothing to take back
