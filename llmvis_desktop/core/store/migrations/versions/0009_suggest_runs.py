"""suggest_runs: the images a label model scored, cards or not

The learned suggester writes a label card only for a label scoring >= 0.5 on a
one-label taxonomy: an image it judged clean had no row at all. ``llmvis evaluate`` then
left every miss out (recall 1.000 where it was 0.737) and each run of the same revision
read those images again. A row here records that the model ran on the image (its
"no"); nothing existing is rewritten.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "suggest_runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("image_id", sa.Integer(), sa.ForeignKey("images.id"), nullable=False),
        sa.Column("model_id", sa.String(500), nullable=False),
        sa.Column("model_revision", sa.String(200), nullable=True),
        sa.Column("labels_json", sa.Text(), nullable=False),
        sa.Column("ran_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_suggest_runs_image_id", "suggest_runs", ["image_id"])
    op.create_index("ix_suggest_runs_model", "suggest_runs", ["model_id", "model_revision"])


def downgrade() -> None:
    op.drop_index("ix_suggest_runs_model", table_name="suggest_runs")
    op.drop_index("ix_suggest_runs_image_id", table_name="suggest_runs")
    op.drop_table("suggest_runs")
