"""folder digests: one row per listed folder, so rescans skip unchanged folders

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing projects start with no digests: their next scan compares every folder
    # file by file once, and stores the digests as it goes.
    op.create_table(
        "folders",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("relpath", sa.String(2048), nullable=False, unique=True),
        sa.Column("files", sa.Integer, nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("folders")
