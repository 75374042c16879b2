"""images: when the indexer last saw the file's content change (size or mtime)

A suggestion made before that time was made for the old content: the batch job
suggests for the image again instead of skipping it as done.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing images: NULL, their suggestions stay valid.
    with op.batch_alter_table("images") as batch:
        batch.add_column(sa.Column("content_changed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("images") as batch:
        batch.drop_column("content_changed_at")
