"""repairs can be unlinked (undo of an accepted repair): when and by whom

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing repairs stay linked (both columns NULL).
    with op.batch_alter_table("repairs") as batch:
        batch.add_column(sa.Column("unlinked_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("unlinked_by", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("repairs") as batch:
        batch.drop_column("unlinked_by")
        batch.drop_column("unlinked_at")
