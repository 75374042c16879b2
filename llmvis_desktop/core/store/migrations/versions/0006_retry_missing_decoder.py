"""images: a compressed DICOM that had no decoder is read again

Up to 0005 "compressed DICOM (transfer syntax ...) needs pylibjpeg/openjpeg plugins" was
a final verdict: after installing the plugin, as the message advised, the image stayed
an error until the file itself changed. Such rows get their header pending again, so
the next index reads them; the reason is this version's ``imaging.errors.NEEDS_DECODER``.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_START = "compressed DICOM (transfer syntax"


def upgrade() -> None:
    images = sa.table("images", sa.column("status", sa.String), sa.column("error", sa.Text),
                      sa.column("header_done", sa.Boolean))
    op.execute(images.update().where(images.c.status == "error", images.c.header_done.is_(True),
                                     images.c.error.like(f"{_START}%"))
               .values(header_done=False))


def downgrade() -> None:
    pass  # the rows are only read again: nothing to take back
